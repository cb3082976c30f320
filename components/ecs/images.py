"""Is a service's image in the shared registry yet? Services whose image is missing start empty.

On the first ``pulumi up`` of an empty account the repositories are created in the same run as
the services, so no image can exist yet. A service started then would fail to pull, and with the
deployment circuit breaker on, "a service deployment will transition to a failed state and stop
launching new tasks" (ECS API reference, DeploymentCircuitBreaker), with nothing to roll back to:
only a manual ``--force-new-deployment`` would clear it. So the program looks the tag up first, and
a service whose image is missing is created with no tasks and with its scaling suspended; the next
``pulumi up`` after the push starts it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

_SHORT = re.compile(r"^(?P<repo>[^:@/][^:@]*)(?::(?P<tag>[^@]+)|@(?P<digest>sha256:[0-9a-f]{64}))$")


@dataclass(frozen=True)
class RegistryImage:
    """An image of the shared registry, as a service names it (``web:1.4.2``)."""

    repository: str
    """Repository name."""
    tag: str | None
    """Tag, or None for a digest reference."""
    digest: str | None
    """``sha256:...`` digest, or None for a tag reference."""

    def found_in(self, tags: list[str | None], digests: list[str | None]) -> bool:
        """Whether the repository's image list holds this image."""
        return self.tag in tags if self.tag is not None else self.digest in digests


def registry_image(image: str) -> RegistryImage | None:
    """``web:1.4.2`` -> its repository and tag; a full URI (another registry) -> None."""
    first = image.split("/")[0]
    if "/" in image and ("." in first or ":" in first or first == "localhost"):
        return None
    match = _SHORT.match(image)
    if match is None:
        raise ValueError(f"image {image!r} is neither repo:tag, repo@sha256:<digest> nor a full URI")
    return RegistryImage(match.group("repo"), match.group("tag"), match.group("digest"))


def image_present(image: str, parent: pulumi.Resource) -> pulumi.Output[bool]:
    """Whether ``image`` can be pulled now: always True for another registry's URI.

    Looks the repository up first: ``ecr:DescribeImages`` on a repository that does not exist yet
    (the first run creates it) fails, and so would the invoke.
    """
    ref = registry_image(image)
    if ref is None:
        return pulumi.Output.from_input(True)
    opts = pulumi.InvokeOutputOptions(parent=parent)
    names = aws.ecr.get_repositories_output(opts=opts).names

    def lookup(found: list[str]) -> pulumi.Input[bool]:
        if ref.repository not in (found or []):
            return False
        ids = aws.ecr.get_images_output(repository_name=ref.repository, opts=opts).image_ids
        return ids.apply(lambda i: ref.found_in([x.image_tag for x in i], [x.image_digest for x in i]))

    return names.apply(lookup)
