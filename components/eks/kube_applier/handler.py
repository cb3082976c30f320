"""Lambda function that applies Kubernetes manifests through an EKS cluster's private endpoint.

The clusters of this project expose their API only inside the VPC, and ``pulumi up`` runs outside it,
so the program never calls the Kubernetes API itself. It deploys this function into the cluster VPC's
private subnets and drives it with ``aws.lambda_.Invocation(lifecycle_scope="CRUD")``, the way the AWS
CDK's kubectl handler serves private clusters. Runtime: Python 3.13, handler ``handler.handler``;
standard library and botocore only, because that is all the runtime ships.

Event (the Invocation's ``input``, plus the ``tf`` key the provider adds)::

    {
      "clusterName": "container-platform-dev-us-east-1",      # signs the token (x-k8s-aws-id)
      "region": "us-east-1",                                   # regional STS endpoint of the token
      "endpoint": "https://XXXX.gr7.us-east-1.eks.amazonaws.com",
      "certificateAuthority": "<base64 of the PEM CA bundle, as kubeconfig certificate-authority-data>",
      "fieldManager": "container-platform",                    # server-side apply field manager
      "waitSeconds": 300,                  # optional, default 300: how long a CRD-backed type may be absent
      "objects": [{...full manifest...}, ...],                 # applied in this order
      "tf": {"action": "create" | "update" | "delete", "prev_input": {...same shape...} | null}
    }

What each action does:

- ``create``/``update``: server-side apply every object in order (``PATCH ...?fieldManager=&force=true``,
  ``application/apply-patch+yaml``, JSON body), then delete, in reverse order, the objects of
  ``tf.prev_input.objects`` that are no longer in ``objects`` (identity: API group, kind, namespace, name).
- ``delete``: delete ``objects`` in reverse order; an object already gone (404) is not an error.

Deletes use ``propagationPolicy=Background`` so they return at once. Connection errors, 429 and 5xx
are retried 5 times (1, 2, 4, 8, 16 s apart); a 404 on a CRD-backed type is retried until
``waitSeconds``; a StorageClass rejected (422) only for changed immutable fields is deleted and
applied again once.

Every object of both lists is validated before the first HTTP request, so a bad input changes nothing.
The result is ``{"applied": ["Kind/name" | "Kind/namespace/name", ...], "deleted": [...]}`` (objects
already gone are logged, not listed). Errors are raised; the Invocation reports their message.

Packaging: this folder is the Lambda asset and the runtime imports this file as the top-level module
``handler``. It has no ``__init__.py`` on purpose: the program never imports it (it only zips this
file), mypy (its ``files`` cover ``components``) and ruff check it without one, and the tests load
it by path with importlib, as the runtime sees it.
"""

from __future__ import annotations

import base64
import http.client
import json
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

# botocore has no type information and no stubs are installed (pyproject.toml: ignore_missing_imports): Any here.
import botocore.session
from botocore.hooks import HierarchicalEmitter
from botocore.model import ServiceId
from botocore.signers import RequestSigner

Transport = Callable[[str, str, Mapping[str, str], bytes | None], tuple[int, bytes]]
"""``(method, url, headers, body) -> (status, body)``; raises OSError when no HTTP answer arrives."""

ACTIONS: Final = ("create", "update", "delete")
DEFAULT_WAIT_SECONDS: Final = 300.0
APPLY_CONTENT_TYPE: Final = "application/apply-patch+yaml"
TOKEN_PREFIX: Final = "k8s-aws-v1."
TOKEN_URL_SECONDS: Final = 60
TRANSIENT_ATTEMPTS: Final = 6
"""Attempts per request on connection errors, 429 and 5xx: waits of 1, 2, 4, 8 and 16 s in between."""
REQUEST_TIMEOUT_SECONDS: Final = 30.0
USER_AGENT: Final = "container-platform-kube-applier"


@dataclass(frozen=True)
class KindInfo:
    """Where a kind lives in the API."""

    plural: str
    namespaced: bool


KINDS: Final[Mapping[tuple[str, str], KindInfo]] = {
    ("v1", "Namespace"): KindInfo("namespaces", namespaced=False),
    ("v1", "ServiceAccount"): KindInfo("serviceaccounts", namespaced=True),
    ("v1", "ConfigMap"): KindInfo("configmaps", namespaced=True),
    ("v1", "Service"): KindInfo("services", namespaced=True),
    ("rbac.authorization.k8s.io/v1", "ClusterRole"): KindInfo("clusterroles", namespaced=False),
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"): KindInfo("clusterrolebindings", namespaced=False),
    ("rbac.authorization.k8s.io/v1", "Role"): KindInfo("roles", namespaced=True),
    ("rbac.authorization.k8s.io/v1", "RoleBinding"): KindInfo("rolebindings", namespaced=True),
    ("apps/v1", "Deployment"): KindInfo("deployments", namespaced=True),
    ("apps/v1", "DaemonSet"): KindInfo("daemonsets", namespaced=True),
    ("policy/v1", "PodDisruptionBudget"): KindInfo("poddisruptionbudgets", namespaced=True),
    ("storage.k8s.io/v1", "StorageClass"): KindInfo("storageclasses", namespaced=False),
    ("trident.netapp.io/v1", "TridentBackendConfig"): KindInfo("tridentbackendconfigs", namespaced=True),
}

# API groups the Kubernetes API server serves itself. Any other group comes from a CRD (or an
# aggregated API) that an operator installs, possibly after this function first runs, so a 404 on
# such a type means "not yet" rather than "wrong". A suffix rule would not do: some *.k8s.io groups
# (snapshot.storage.k8s.io, gateway.networking.k8s.io) are CRDs.
BUILTIN_GROUPS: Final = frozenset(
    {
        "",
        "admissionregistration.k8s.io",
        "apiextensions.k8s.io",
        "apiregistration.k8s.io",
        "apps",
        "authentication.k8s.io",
        "authorization.k8s.io",
        "autoscaling",
        "batch",
        "certificates.k8s.io",
        "coordination.k8s.io",
        "discovery.k8s.io",
        "events.k8s.io",
        "flowcontrol.apiserver.k8s.io",
        "internal.apiserver.k8s.io",
        "networking.k8s.io",
        "node.k8s.io",
        "policy",
        "rbac.authorization.k8s.io",
        "resource.k8s.io",
        "scheduling.k8s.io",
        "storage.k8s.io",
        "storagemigration.k8s.io",
    }
)


class InvalidEvent(ValueError):
    """The event cannot be acted on; raised before any request is sent."""


class ApplyError(RuntimeError):
    """The API server refused an object or could not be reached."""


@dataclass(frozen=True)
class Manifest:
    """One validated object: its place in the API and the body to apply."""

    api_version: str
    kind: str
    name: str
    namespace: str | None
    plural: str
    body: Mapping[str, Any]

    @property
    def group(self) -> str:
        """API group: ``""`` for ``v1``, ``apps`` for ``apps/v1``."""
        return self.api_version.rpartition("/")[0]

    @property
    def identity(self) -> tuple[str, str, str, str]:
        """What prune compares; the version is left out because a version bump is the same object."""
        return (self.group, self.kind, self.namespace or "", self.name)

    @property
    def label(self) -> str:
        """``Kind/name`` or ``Kind/namespace/name``, as logged and returned."""
        middle = f"{self.namespace}/" if self.namespace else ""
        return f"{self.kind}/{middle}{self.name}"

    @property
    def path(self) -> str:
        """The object's URL path on the API server."""
        root = f"/api/{self.api_version}" if not self.group else f"/apis/{self.api_version}"
        scope = f"/namespaces/{_segment(self.namespace)}" if self.namespace else ""
        return f"{root}{scope}/{self.plural}/{_segment(self.name)}"

    @property
    def served_by_crd(self) -> bool:
        """Whether the type comes from a CRD that may not be installed yet."""
        return self.group not in BUILTIN_GROUPS


@dataclass(frozen=True)
class Request:
    """A validated event."""

    cluster_name: str
    region: str
    endpoint: str
    certificate_authority: str
    field_manager: str
    wait_seconds: float
    action: str
    objects: Sequence[Manifest]
    previous: Sequence[Manifest]


def _segment(value: str) -> str:
    """Percent-encode one path segment (RBAC names may hold ':')."""
    return urllib.parse.quote(value, safe=":")


def _path_segment_problem(value: str) -> str | None:
    """Kubernetes' own rule for names used in URL paths (IsValidPathSegmentName)."""
    if value in (".", ".."):
        return f"{value!r} cannot be a name"
    if "/" in value or "%" in value:
        return f"{value!r} cannot contain '/' or '%'"
    return None


def _object_problems(raw: Any, where: str) -> tuple[Manifest | None, list[str]]:
    """Validate one manifest; return it, or the problems found, each naming the object."""
    if not isinstance(raw, dict):
        return None, [f"{where}: expected a manifest object, got {type(raw).__name__}"]
    api_version, kind, metadata = raw.get("apiVersion"), raw.get("kind"), raw.get("metadata")
    metadata = metadata if isinstance(metadata, dict) else {}
    name, namespace = metadata.get("name"), metadata.get("namespace")
    label = f"{where} ({kind or '?'}/{name or '?'})"
    if not isinstance(api_version, str) or not api_version:
        return None, [f"{label}: apiVersion is missing"]
    if not isinstance(kind, str) or not kind:
        return None, [f"{label}: kind is missing"]
    if not isinstance(name, str) or not name:
        return None, [f"{label}: metadata.name is missing"]
    info = KINDS.get((api_version, kind))
    if info is None:
        known = ", ".join(f"{v} {k}" for v, k in KINDS)
        return None, [f"{label}: kind {kind} of apiVersion {api_version} is not one this applier knows ({known})"]
    problems = [f"{label}: metadata.name {p}" for p in [_path_segment_problem(name)] if p]
    if info.namespaced and (not isinstance(namespace, str) or not namespace):
        problems.append(f"{label}: {kind} is namespaced but metadata.namespace is missing")
    elif not info.namespaced and namespace is not None:
        problems.append(f"{label}: {kind} is cluster-scoped, metadata.namespace must not be set")
    elif isinstance(namespace, str) and (problem := _path_segment_problem(namespace)):
        problems.append(f"{label}: metadata.namespace {problem}")
    if problems:
        return None, problems
    return Manifest(api_version, kind, name, namespace if info.namespaced else None, info.plural, raw), []


def parse_objects(raw: Any, where: str) -> tuple[list[Manifest], list[str]]:
    """Validate a list of manifests; return the valid ones and every problem, each naming its object."""
    if not isinstance(raw, list):
        return [], [f"{where} must be a list of Kubernetes manifests, got {type(raw).__name__}"]
    objects: list[Manifest] = []
    problems: list[str] = []
    seen: dict[tuple[str, str, str, str], int] = {}
    for index, item in enumerate(raw):
        manifest, found = _object_problems(item, f"{where}[{index}]")
        problems.extend(found)
        if manifest is None:
            continue
        if manifest.identity in seen:
            problems.append(f"{where}[{index}] ({manifest.label}) repeats {where}[{seen[manifest.identity]}]")
        seen.setdefault(manifest.identity, index)
        objects.append(manifest)
    return objects, problems


def _text(event: Mapping[str, Any], key: str, problems: list[str]) -> str:
    """A required non-empty string field of the event, or '' with a problem recorded."""
    value = event.get(key)
    if isinstance(value, str) and value:
        return value
    problems.append(f"event.{key} must be a non-empty string")
    return ""


def _wait_seconds(event: Mapping[str, Any], problems: list[str]) -> float:
    """The optional waitSeconds field (bool is an int in Python, and not a duration)."""
    value = event.get("waitSeconds", DEFAULT_WAIT_SECONDS)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        problems.append(f"event.waitSeconds must be a number of seconds >= 0, got {value!r}")
        return DEFAULT_WAIT_SECONDS
    return float(value)


def _lifecycle(event: Mapping[str, Any], problems: list[str]) -> tuple[str, Any]:
    """The action and previous input that Invocation(lifecycle_scope="CRUD") adds under ``tf``."""
    lifecycle = event.get("tf")
    if not isinstance(lifecycle, dict):
        problems.append("event.tf is missing: invoke through aws.lambda_.Invocation with lifecycle_scope='CRUD'")
        return "", None
    action = lifecycle.get("action")
    if action not in ACTIONS:
        problems.append(f"event.tf.action must be one of {', '.join(ACTIONS)}, got {action!r}")
    return str(action), lifecycle.get("prev_input")


def parse_event(event: Any) -> Request:
    """Validate the whole event, objects and previous objects included; raise InvalidEvent listing every problem."""
    if not isinstance(event, dict):
        raise InvalidEvent(f"the event must be a JSON object, got {type(event).__name__}")
    problems: list[str] = []
    texts = [_text(event, key, problems) for key in ("clusterName", "region", "endpoint", "certificateAuthority")]
    field_manager = _text(event, "fieldManager", problems)
    wait_seconds = _wait_seconds(event, problems)
    action, previous_input = _lifecycle(event, problems)
    objects, found = parse_objects(event.get("objects"), "objects")
    problems.extend(found)
    previous: list[Manifest] = []
    if isinstance(previous_input, dict) and previous_input.get("objects") is not None:
        previous, found = parse_objects(previous_input["objects"], "tf.prev_input.objects")
        problems.extend(found)
    if problems:
        raise InvalidEvent("invalid event, nothing was applied:\n- " + "\n- ".join(problems))
    cluster_name, region, endpoint, certificate_authority = texts
    return Request(
        cluster_name, region, endpoint, certificate_authority, field_manager, wait_seconds, action, objects, previous
    )


def _status(answer: bytes) -> Mapping[str, Any]:
    """The API server's Status object in an answer, or an empty mapping when it is not one."""
    try:
        value = json.loads(answer)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _message(answer: bytes) -> str:
    """The message of an API answer: the Status message, else the start of the body."""
    message = _status(answer).get("message")
    if isinstance(message, str) and message:
        return message
    return answer[:300].decode("utf-8", "replace").strip() or "(empty body)"


def _only_immutable_changes(answer: bytes) -> bool:
    """Whether a 422 rejects nothing but changes to immutable fields.

    Only then is deleting and re-creating the object a fix; a plain invalid value would fail again
    after the delete and leave the cluster without the object.
    """
    details = _status(answer).get("details")
    causes = details.get("causes") if isinstance(details, dict) else None
    if isinstance(causes, list) and causes:
        texts = [str(cause.get("message", "")) if isinstance(cause, dict) else "" for cause in causes]
    else:
        texts = [_message(answer)]
    return all("forbidden" in text.lower() or "immutable" in text.lower() for text in texts)


@dataclass
class Client:
    """One API server: transient retries, waiting for CRD types and StorageClass re-creation."""

    endpoint: str
    token: Callable[[], str]
    transport: Transport
    field_manager: str
    wait_seconds: float
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic

    def send(self, method: str, path: str, body: bytes | None = None, content_type: str = "") -> tuple[int, bytes]:
        """Send one request; retry connection errors, 429 and 5xx a few times, then give up.

        The private endpoint's DNS name can take a while to resolve inside the VPC right after the
        cluster is created, and the API server sheds load with 429/503 while it scales.
        """
        url = self.endpoint.rstrip("/") + path
        status, answer, problem = 0, b"", ""
        last_error: Exception | None = None
        for attempt in range(1, TRANSIENT_ATTEMPTS + 1):
            # A fresh token per request: signing is local and cheap, and a wait for a CRD can outlast one.
            headers = {
                "Authorization": f"Bearer {self.token()}",
                "Accept": "application/json",
                "User-Agent": USER_AGENT,
            }
            if content_type:
                headers["Content-Type"] = content_type
            try:
                status, answer = self.transport(method, url, headers, body)
            except (OSError, http.client.HTTPException) as error:
                last_error, problem = error, f"{type(error).__name__}: {error}"
            else:
                if status != 429 and status < 500:
                    return status, answer
                last_error, problem = None, f"HTTP {status} {_message(answer)}"
            if attempt < TRANSIENT_ATTEMPTS:
                delay = float(2 ** (attempt - 1))
                print(f"{method} {path}: {problem}; retry {attempt} in {delay:g} s")
                self.sleep(delay)
        if last_error is None:
            return status, answer
        raise ApplyError(
            f"{method} {url}: no answer after {TRANSIENT_ATTEMPTS} attempts ({problem}). The function must reach "
            "the cluster's private endpoint: run it in the cluster VPC's private subnets with egress to port 443, "
            "and let the cluster security group accept 443 from the function's security group"
        ) from last_error

    def apply(self, obj: Manifest) -> None:
        """Server-side apply one object; re-create a StorageClass whose immutable fields changed."""
        status, answer = self._apply_when_served(obj)
        if status == 422 and obj.kind == "StorageClass" and _only_immutable_changes(answer):
            print(f"recreate {obj.label}: {_message(answer)}")
            self.delete(obj)
            status, answer = self._apply_when_served(obj)
            if status not in (200, 201):
                raise ApplyError(
                    f"apply {obj.label}: deleted it to change immutable fields, "
                    f"but re-creating it failed: HTTP {status} {_message(answer)}"
                )
        if status not in (200, 201):
            raise ApplyError(f"apply {obj.label}: HTTP {status} {_message(answer)}")

    def _apply_when_served(self, obj: Manifest) -> tuple[int, bytes]:
        """PATCH the object, waiting up to wait_seconds while its CRD-backed type is not served."""
        query = urllib.parse.urlencode({"fieldManager": self.field_manager, "force": "true"})
        body = json.dumps(obj.body, separators=(",", ":")).encode()
        deadline = self.clock() + self.wait_seconds
        delay = 2.0
        while True:
            status, answer = self.send("PATCH", f"{obj.path}?{query}", body, APPLY_CONTENT_TYPE)
            if status != 404 or not obj.served_by_crd:
                return status, answer
            remaining = deadline - self.clock()
            if remaining <= 0:
                raise ApplyError(
                    f"apply {obj.label}: the API server still does not serve {obj.plural}.{obj.group} "
                    f"({obj.api_version}) after {self.wait_seconds:g} s; is its CRD installed? "
                    f"Last answer: HTTP 404 {_message(answer)}"
                )
            pause = min(delay, remaining)
            print(f"apply {obj.label}: {obj.plural}.{obj.group} not served yet, retry in {pause:g} s")
            self.sleep(pause)
            delay = min(delay * 2, 30.0)

    def delete(self, obj: Manifest) -> bool:
        """Delete one object without waiting for its dependents; False when it was already gone."""
        query = urllib.parse.urlencode({"propagationPolicy": "Background"})
        status, answer = self.send("DELETE", f"{obj.path}?{query}")
        if status == 404:
            return False
        if status not in (200, 202):
            raise ApplyError(f"delete {obj.label}: HTTP {status} {_message(answer)}")
        return True


def run(request: Request, client: Client) -> dict[str, list[str]]:
    """Carry out a validated request: apply then prune, or delete."""
    applied: list[str] = []
    deleted: list[str] = []
    if request.action == "delete":
        doomed = list(reversed(request.objects))
    else:
        for obj in request.objects:
            client.apply(obj)
            print(f"applied {obj.label}")
            applied.append(obj.label)
        current = {obj.identity for obj in request.objects}
        doomed = [obj for obj in reversed(request.previous) if obj.identity not in current]
    for obj in doomed:
        if client.delete(obj):
            print(f"deleted {obj.label}")
            deleted.append(obj.label)
        else:
            print(f"already absent {obj.label}")
    return {"applied": applied, "deleted": deleted}


def bearer_token(cluster_name: str, region: str, credentials: Any) -> str:
    """The token ``aws eks get-token`` prints, made locally from botocore credentials.

    ``k8s-aws-v1.`` + unpadded base64url of an STS GetCallerIdentity URL presigned (SigV4, 60 s) on
    the regional endpoint, with ``x-k8s-aws-id: <cluster>`` among the signed headers so the token is
    good for this cluster only. EKS calls STS with it; this function makes no network call.
    """
    emitter = HierarchicalEmitter()  # RequestSigner holds only a weak reference: keep it alive here
    signer = RequestSigner(ServiceId("sts"), region, "sts", "v4", credentials, emitter)
    request = {
        "method": "GET",
        "url": f"https://sts.{region}.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15",
        "body": {},
        "headers": {"x-k8s-aws-id": cluster_name},
        "context": {},
    }
    url = str(signer.generate_presigned_url(request, "", expires_in=TOKEN_URL_SECONDS, region_name=region))
    return TOKEN_PREFIX + base64.urlsafe_b64encode(url.encode()).decode().rstrip("=")


def ssl_context(certificate_authority: str) -> ssl.SSLContext:
    """A TLS context that trusts only the cluster's CA and checks the endpoint's host name."""
    try:
        pem = base64.b64decode(certificate_authority, validate=True).decode("ascii")
        context = ssl.create_default_context(cadata=pem)
    except (ValueError, ssl.SSLError) as error:  # binascii.Error and UnicodeDecodeError are ValueErrors
        raise InvalidEvent(f"certificateAuthority is not base64 of a PEM CA bundle: {error}") from error
    # Python 3.13 adds RFC 5280 profile checks (VERIFY_X509_STRICT) that kubectl's Go TLS stack does
    # not make; some cluster CAs fail them. Trust still rests on the chain to this CA and the host name.
    context.verify_flags &= ~ssl.VERIFY_X509_STRICT
    return context


def urllib_transport(context: ssl.SSLContext | None, timeout: float = REQUEST_TIMEOUT_SECONDS) -> Transport:
    """A urllib transport; ``context`` verifies HTTPS. Proxy variables are ignored: the endpoint is in the VPC."""
    handlers: list[urllib.request.BaseHandler] = [urllib.request.ProxyHandler({})]
    if context is not None:
        handlers.append(urllib.request.HTTPSHandler(context=context))
    opener = urllib.request.build_opener(*handlers)

    def send(method: str, url: str, headers: Mapping[str, str], body: bytes | None) -> tuple[int, bytes]:
        request = urllib.request.Request(url, data=body, headers=dict(headers), method=method)
        try:
            with opener.open(request, timeout=timeout) as response:
                return int(response.status), bytes(response.read())
        except urllib.error.HTTPError as error:
            return error.code, error.read()
        except urllib.error.URLError as error:
            # A certificate that does not verify will not verify on retry: fail now, and say why.
            if isinstance(error.reason, ssl.SSLCertVerificationError):
                raise ApplyError(
                    f"TLS verification of {url} failed ({error.reason.verify_message}): "
                    "certificateAuthority is not the CA of this cluster's endpoint"
                ) from error
            raise

    return send


def handler(event: Any, context: Any) -> dict[str, list[str]]:
    """Lambda entry point: validate the event, then apply or delete its objects."""
    request = parse_event(event)
    if not request.endpoint.startswith("https://"):
        raise InvalidEvent(
            f"event.endpoint must be an https:// URL (it carries a bearer token), got {request.endpoint}"
        )
    credentials = botocore.session.Session().get_credentials()
    if credentials is None:
        raise ApplyError("no AWS credentials in the function's environment to sign the Kubernetes token")
    client = Client(
        endpoint=request.endpoint,
        token=lambda: bearer_token(request.cluster_name, request.region, credentials),
        transport=urllib_transport(ssl_context(request.certificate_authority)),
        field_manager=request.field_manager,
        wait_seconds=request.wait_seconds,
    )
    print(f"{request.action} on {request.cluster_name}: {len(request.objects)} objects")
    return run(request, client)
