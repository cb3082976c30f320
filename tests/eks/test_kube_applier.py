"""The kube-applier Lambda handler against a fake Kubernetes API, in memory and over loopback HTTP(S)."""

from __future__ import annotations

import base64
import importlib.util
import json
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType

import pytest
from botocore.credentials import Credentials

HANDLER_PATH = Path(__file__).resolve().parents[2] / "components" / "eks" / "kube_applier" / "handler.py"


def _load_handler() -> ModuleType:
    # The folder is a Lambda asset, not a package of the program: load the file the way the runtime does.
    spec = importlib.util.spec_from_file_location("kube_applier_handler", HANDLER_PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up in sys.modules
    spec.loader.exec_module(module)
    return module


kube = _load_handler()

FIELD_MANAGER = "container-platform"


# ---------------------------------------------------------------- manifests


def namespace(name):
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}


def service_account(name, ns):
    return {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": name, "namespace": ns}}


def config_map(name, ns, data=None):
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": ns}, "data": data or {}}


def cluster_role(name):
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": {"name": name},
        "rules": [],
    }


def deployment(name, ns):
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": ns}, "spec": {}}


def storage_class(name, parameters=None):
    return {
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        "metadata": {"name": name},
        "provisioner": "ebs.csi.aws.com",
        "parameters": parameters or {"type": "gp3"},
    }


def backend(name, ns="trident"):
    return {
        "apiVersion": "trident.netapp.io/v1",
        "kind": "TridentBackendConfig",
        "metadata": {"name": name, "namespace": ns},
        "spec": {"version": 1, "storageDriverName": "ontap-nas"},
    }


SC_PATH = "/apis/storage.k8s.io/v1/storageclasses/gp3"
BACKEND_PATH = "/apis/trident.netapp.io/v1/namespaces/trident/tridentbackendconfigs/ontap"


def event(objects, action="create", prev_objects=None, **extra):
    prev = None if prev_objects is None else {"objects": prev_objects}
    result = {
        "clusterName": "container-platform-dev-us-east-1",
        "region": "us-east-1",
        "endpoint": "http://api.invalid",
        "certificateAuthority": "Zm9v",
        "fieldManager": FIELD_MANAGER,
        "objects": objects,
        "tf": {"action": action, "prev_input": prev},
    }
    result.update(extra)
    return result


# ---------------------------------------------------------------- fakes


def status_body(code, reason, message, causes=None):
    body = {
        "kind": "Status",
        "apiVersion": "v1",
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }
    if causes is not None:
        body["details"] = {"causes": causes}
    return body


class FakeApi:
    """A Kubernetes API server reduced to what the applier uses: SSA PATCH and DELETE by path."""

    def __init__(self):
        self.store = {}
        self.requests = []  # (method, path, query, headers with lower-case names, body)
        self.scripted = {}  # (method, path) -> answers served before the default behaviour
        self.lock = threading.Lock()

    def script(self, method, path, *answers):
        self.scripted.setdefault((method, path), []).extend(answers)

    def calls(self, method=None):
        return [(m, p) for m, p, *_ in self.requests if method in (None, m)]

    def handle(self, method, url, headers, body):
        parts = urllib.parse.urlsplit(url)
        query = urllib.parse.parse_qs(parts.query)
        with self.lock:
            self.requests.append((method, parts.path, query, {k.lower(): v for k, v in headers.items()}, body))
            queue = self.scripted.get((method, parts.path))
            if queue:
                code, payload = queue.pop(0)
                raw = payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()
                return code, raw
            return self._default(method, parts.path, body)

    def _default(self, method, path, body):
        if method == "PATCH":
            existed = path in self.store
            self.store[path] = json.loads(body)
            return (200 if existed else 201), body
        if method == "DELETE":
            if self.store.pop(path, None) is None:
                return 404, json.dumps(status_body(404, "NotFound", f"{path} not found")).encode()
            return 200, b'{"kind":"Status","status":"Success"}'
        return 405, b"{}"

    def transport(self, method, url, headers, body):
        return self.handle(method, url, headers, body)


class Clock:
    """Fake time: sleep advances the clock and is recorded."""

    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def api():
    return FakeApi()


@pytest.fixture
def clock():
    return Clock()


def execute(ev, transport, clock, endpoint=None):
    request = kube.parse_event(ev)
    client = kube.Client(
        endpoint=endpoint or request.endpoint,
        token=lambda: "test-token",
        transport=transport,
        field_manager=request.field_manager,
        wait_seconds=request.wait_seconds,
        sleep=clock.sleep,
        clock=clock,
    )
    return kube.run(request, client)


class _Server:
    """A bounded loopback HTTP(S) server in a thread that forwards every request to a FakeApi."""

    def __init__(self, api, tls=None):
        class Handler(BaseHTTPRequestHandler):
            timeout = 5  # a stuck client cannot hold a worker thread beyond the test

            def _serve(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                code, answer = api.handle(self.command, "http://loopback" + self.path, dict(self.headers), body)
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            do_PATCH = do_DELETE = do_GET = _serve

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.server.handle_error = lambda *args: None  # a refused handshake is expected in one test
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        scheme = "https" if tls else "http"
        self.url = f"{scheme}://127.0.0.1:{self.server.server_port}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


# ---------------------------------------------------------------- apply


def test_apply_in_order_with_server_side_apply_on_core_group_and_namespaced_paths(api, clock):
    objects = [
        namespace("trident"),
        service_account("trident-sa", "trident"),
        cluster_role("reader"),
        deployment("op", "trident"),
        storage_class("gp3"),
        backend("ontap"),
    ]
    result = execute(event(objects), api.transport, clock)

    assert api.calls() == [
        ("PATCH", "/api/v1/namespaces/trident"),
        ("PATCH", "/api/v1/namespaces/trident/serviceaccounts/trident-sa"),
        ("PATCH", "/apis/rbac.authorization.k8s.io/v1/clusterroles/reader"),
        ("PATCH", "/apis/apps/v1/namespaces/trident/deployments/op"),
        ("PATCH", SC_PATH),
        ("PATCH", BACKEND_PATH),
    ]
    for (_, _, query, headers, body), manifest in zip(api.requests, objects, strict=True):
        assert query == {"fieldManager": [FIELD_MANAGER], "force": ["true"]}
        assert headers["content-type"] == "application/apply-patch+yaml"
        assert headers["authorization"] == "Bearer test-token"
        assert json.loads(body) == manifest
    assert result == {
        "applied": [
            "Namespace/trident",
            "ServiceAccount/trident/trident-sa",
            "ClusterRole/reader",
            "Deployment/trident/op",
            "StorageClass/gp3",
            "TridentBackendConfig/trident/ontap",
        ],
        "deleted": [],
    }
    assert clock.sleeps == []


def test_apply_through_real_http_on_loopback(api, clock):
    objects = [namespace("kube-extra"), config_map("settings", "kube-extra", {"a": "1"}), storage_class("gp3")]
    with _Server(api) as server:
        result = execute(event(objects), kube.urllib_transport(None), clock, endpoint=server.url)

    assert result["applied"] == ["Namespace/kube-extra", "ConfigMap/kube-extra/settings", "StorageClass/gp3"]
    assert [p for _, p in api.calls("PATCH")] == [
        "/api/v1/namespaces/kube-extra",
        "/api/v1/namespaces/kube-extra/configmaps/settings",
        SC_PATH,
    ]
    method, _, query, headers, body = api.requests[1]
    assert method == "PATCH"
    assert query == {"fieldManager": [FIELD_MANAGER], "force": ["true"]}
    assert headers["content-type"] == "application/apply-patch+yaml"
    assert headers["authorization"] == "Bearer test-token"
    assert json.loads(body) == objects[1]


def test_rbac_names_with_colons_stay_readable_in_the_path(api, clock):
    execute(event([cluster_role("system:trident")]), api.transport, clock)
    assert api.calls() == [("PATCH", "/apis/rbac.authorization.k8s.io/v1/clusterroles/system:trident")]


# ---------------------------------------------------------------- prune and delete


def test_update_prunes_objects_gone_from_the_input_in_reverse_order(api, clock):
    previous = [
        namespace("apps"),
        config_map("moved", "old-ns"),
        storage_class("gp3"),
        deployment("web", "apps"),
        storage_class("old"),
    ]
    execute(event(previous), api.transport, clock)
    api.requests.clear()
    # "moved" changes namespace: a different object, so the old one goes.
    current = [namespace("apps"), storage_class("gp3"), config_map("moved", "new-ns")]

    result = execute(event(current, action="update", prev_objects=previous), api.transport, clock)

    assert api.calls() == [
        ("PATCH", "/api/v1/namespaces/apps"),
        ("PATCH", SC_PATH),
        ("PATCH", "/api/v1/namespaces/new-ns/configmaps/moved"),
        ("DELETE", "/apis/storage.k8s.io/v1/storageclasses/old"),
        ("DELETE", "/apis/apps/v1/namespaces/apps/deployments/web"),
        ("DELETE", "/api/v1/namespaces/old-ns/configmaps/moved"),
    ]
    assert all(q == {"propagationPolicy": ["Background"]} for m, _, q, *_ in api.requests if m == "DELETE")
    assert result["deleted"] == ["StorageClass/old", "Deployment/apps/web", "ConfigMap/old-ns/moved"]


def test_update_without_previous_input_deletes_nothing(api, clock):
    result = execute(event([namespace("a")], action="update"), api.transport, clock)
    assert api.calls("DELETE") == []
    assert result == {"applied": ["Namespace/a"], "deleted": []}


def test_delete_removes_objects_in_reverse_order_and_tolerates_404(api, clock):
    objects = [namespace("apps"), service_account("sa", "apps"), storage_class("gp3"), backend("ontap")]
    execute(event(objects), api.transport, clock)
    api.store.pop("/api/v1/namespaces/apps/serviceaccounts/sa")  # already gone
    api.requests.clear()

    result = execute(event(objects, action="delete", prev_objects=objects), api.transport, clock)

    assert api.calls() == [
        ("DELETE", BACKEND_PATH),
        ("DELETE", SC_PATH),
        ("DELETE", "/api/v1/namespaces/apps/serviceaccounts/sa"),
        ("DELETE", "/api/v1/namespaces/apps"),
    ]
    assert result == {
        "applied": [],
        "deleted": ["TridentBackendConfig/trident/ontap", "StorageClass/gp3", "Namespace/apps"],
    }
    assert api.store == {}


def test_delete_failure_other_than_404_is_reported(api, clock):
    api.script(
        "DELETE", SC_PATH, (403, status_body(403, "Forbidden", "storageclasses is forbidden: User cannot delete"))
    )
    with pytest.raises(kube.ApplyError, match=r"delete StorageClass/gp3: HTTP 403 storageclasses is forbidden"):
        execute(event([storage_class("gp3")], action="delete"), api.transport, clock)


# ---------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("objects", "expected"),
    [
        (
            [namespace("a"), {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}],
            r"objects\[1\] \(Widget/w\): kind Widget of apiVersion example.com/v1 is not one this applier knows",
        ),
        (
            [namespace("a"), {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm"}}],
            r"objects\[1\] \(ConfigMap/cm\): ConfigMap is namespaced but metadata.namespace is missing",
        ),
        (
            [{"apiVersion": "v1", "kind": "Namespace", "metadata": {}}],
            r"objects\[0\] \(Namespace/\?\): metadata.name is missing",
        ),
        (
            [{"kind": "Namespace", "metadata": {"name": "x"}}],
            r"objects\[0\] \(Namespace/x\): apiVersion is missing",
        ),
        (
            [{"apiVersion": "v1", "metadata": {"name": "x"}}],
            r"objects\[0\] \(\?/x\): kind is missing",
        ),
        (
            [{**storage_class("gp3"), "metadata": {"name": "gp3", "namespace": "default"}}],
            r"objects\[0\] \(StorageClass/gp3\): StorageClass is cluster-scoped",
        ),
        (
            [config_map("a/b", "default")],
            r"objects\[0\] \(ConfigMap/a/b\): metadata.name 'a/b' cannot contain '/'",
        ),
        (
            [namespace("a"), namespace("a")],
            r"objects\[1\] \(Namespace/a\) repeats objects\[0\]",
        ),
        ("not a list", r"objects must be a list of Kubernetes manifests, got str"),
    ],
)
def test_invalid_objects_are_rejected_before_any_request(api, clock, objects, expected):
    with pytest.raises(kube.InvalidEvent, match=expected):
        execute(event(objects), api.transport, clock)
    assert api.requests == []


def test_every_problem_is_reported_at_once_including_previous_objects(api, clock):
    bad_current = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "namespace": "x"}}
    bad_previous = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}}
    ev = event([namespace("a"), bad_current], action="update", prev_objects=[bad_previous], waitSeconds=-1)
    with pytest.raises(kube.InvalidEvent) as caught:
        execute(ev, api.transport, clock)
    message = str(caught.value)
    assert "objects[1] (Secret/s): kind Secret of apiVersion v1 is not one" in message
    assert "tf.prev_input.objects[0] (Deployment/d): Deployment is namespaced" in message
    assert "event.waitSeconds must be a number of seconds >= 0, got -1" in message
    assert api.requests == []


def test_event_without_lifecycle_key_asks_for_crud_scope(api, clock):
    ev = event([namespace("a")])
    del ev["tf"]
    with pytest.raises(kube.InvalidEvent, match=r"event.tf is missing: .*lifecycle_scope='CRUD'"):
        execute(ev, api.transport, clock)
    assert api.requests == []


def test_handler_refuses_a_plain_http_endpoint_before_any_request():
    with pytest.raises(kube.InvalidEvent, match=r"endpoint must be an https:// URL"):
        kube.handler(event([namespace("a")], endpoint="http://127.0.0.1:9"), None)


def test_certificate_authority_must_be_base64_pem():
    with pytest.raises(kube.InvalidEvent, match=r"certificateAuthority is not base64 of a PEM CA bundle"):
        kube.ssl_context("not base64!")
    with pytest.raises(kube.InvalidEvent, match=r"certificateAuthority is not base64 of a PEM CA bundle"):
        kube.ssl_context(base64.b64encode(b"no certificate here").decode())


# ---------------------------------------------------------------- StorageClass re-creation


IMMUTABLE = status_body(
    422,
    "Invalid",
    'StorageClass.storage.k8s.io "gp3" is invalid: parameters: Forbidden: updates to parameters are forbidden.',
    [
        {
            "reason": "FieldValueForbidden",
            "message": "Forbidden: updates to parameters are forbidden.",
            "field": "parameters",
        }
    ],
)


def test_storage_class_with_changed_parameters_is_deleted_and_applied_again(api, clock):
    execute(event([storage_class("gp3")]), api.transport, clock)
    api.requests.clear()
    api.script("PATCH", SC_PATH, (422, IMMUTABLE))
    changed = storage_class("gp3", {"type": "gp3", "iops": "4000"})

    result = execute(event([changed], action="update", prev_objects=[storage_class("gp3")]), api.transport, clock)

    assert api.calls() == [("PATCH", SC_PATH), ("DELETE", SC_PATH), ("PATCH", SC_PATH)]
    assert api.store[SC_PATH] == changed
    assert result == {"applied": ["StorageClass/gp3"], "deleted": []}


def test_storage_class_with_an_invalid_value_is_not_deleted(api, clock):
    invalid = status_body(
        422,
        "Invalid",
        'StorageClass.storage.k8s.io "gp3" is invalid: reclaimPolicy: Unsupported value: "Keep"',
        [{"reason": "FieldValueNotSupported", "message": 'Unsupported value: "Keep"', "field": "reclaimPolicy"}],
    )
    api.script("PATCH", SC_PATH, (422, invalid))
    with pytest.raises(kube.ApplyError, match=r'apply StorageClass/gp3: HTTP 422 .*Unsupported value: "Keep"'):
        execute(event([storage_class("gp3")]), api.transport, clock)
    assert api.calls("DELETE") == []


def test_storage_class_recreation_is_tried_once(api, clock):
    api.script("PATCH", SC_PATH, (422, IMMUTABLE), (422, IMMUTABLE))
    with pytest.raises(kube.ApplyError, match=r"deleted it to change immutable fields, but re-creating it failed"):
        execute(event([storage_class("gp3")]), api.transport, clock)
    assert api.calls() == [("PATCH", SC_PATH), ("DELETE", SC_PATH), ("PATCH", SC_PATH)]


# ---------------------------------------------------------------- waiting and retries


NOT_SERVED = (404, "404 page not found\n")


def test_crd_type_not_served_yet_is_retried_until_it_is(api, clock):
    api.script("PATCH", BACKEND_PATH, NOT_SERVED, NOT_SERVED, NOT_SERVED)
    result = execute(event([namespace("trident"), backend("ontap")]), api.transport, clock)
    assert result["applied"] == ["Namespace/trident", "TridentBackendConfig/trident/ontap"]
    assert clock.sleeps == [2.0, 4.0, 8.0]
    assert api.calls().count(("PATCH", BACKEND_PATH)) == 4


def test_crd_type_gives_up_after_wait_seconds_with_a_clear_message(api, clock):
    api.script("PATCH", BACKEND_PATH, *[NOT_SERVED] * 50)
    start = clock.now
    ev = event([backend("ontap")], waitSeconds=20)
    with pytest.raises(kube.ApplyError) as caught:
        execute(ev, api.transport, clock)
    message = str(caught.value)
    assert "apply TridentBackendConfig/trident/ontap" in message
    assert "does not serve tridentbackendconfigs.trident.netapp.io (trident.netapp.io/v1) after 20 s" in message
    assert "is its CRD installed?" in message
    assert "404 page not found" in message
    assert clock.now - start == 20
    assert clock.sleeps == [2.0, 4.0, 8.0, 6.0]


def test_404_on_a_builtin_type_is_not_waited_for(api, clock):
    gone = status_body(404, "NotFound", 'namespaces "apps" not found')
    api.script("PATCH", "/apis/apps/v1/namespaces/apps/deployments/web", (404, gone))
    with pytest.raises(kube.ApplyError, match=r'apply Deployment/apps/web: HTTP 404 namespaces "apps" not found'):
        execute(event([deployment("web", "apps")]), api.transport, clock)
    assert clock.sleeps == []


def test_connection_errors_429_and_5xx_are_retried_with_backoff(api, clock):
    failures = [ConnectionRefusedError("connection refused"), None, None, None]
    api.script("PATCH", SC_PATH, (429, status_body(429, "TooManyRequests", "slow down")), (503, "unavailable"))
    api.script("PATCH", SC_PATH, (500, status_body(500, "InternalError", "etcd timeout")))

    def flaky(method, url, headers, body):
        failure = failures.pop(0) if failures else None
        if failure is not None:
            raise failure
        return api.transport(method, url, headers, body)

    result = execute(event([storage_class("gp3")]), flaky, clock)
    assert result["applied"] == ["StorageClass/gp3"]
    assert clock.sleeps == [1.0, 2.0, 4.0, 8.0]
    assert api.calls() == [("PATCH", SC_PATH)] * 4


def test_5xx_that_never_ends_is_reported_with_the_server_message(api, clock):
    api.script("PATCH", SC_PATH, *[(503, status_body(503, "ServiceUnavailable", "apiserver is shutting down"))] * 6)
    with pytest.raises(kube.ApplyError, match=r"apply StorageClass/gp3: HTTP 503 apiserver is shutting down"):
        execute(event([storage_class("gp3")]), api.transport, clock)
    assert clock.sleeps == [1.0, 2.0, 4.0, 8.0, 16.0]


def test_unreachable_endpoint_gives_up_with_a_network_hint(clock):
    def unreachable(method, url, headers, body):
        raise OSError("[Errno -2] Name or service not known")

    with pytest.raises(kube.ApplyError) as caught:
        execute(event([namespace("a")]), unreachable, clock)
    message = str(caught.value)
    assert message.startswith("PATCH http://api.invalid/api/v1/namespaces/a?fieldManager=container-platform&force=true")
    assert "no answer after 6 attempts (OSError: [Errno -2] Name or service not known)" in message
    assert "private subnets" in message
    assert clock.sleeps == [1.0, 2.0, 4.0, 8.0, 16.0]


# ---------------------------------------------------------------- token


def _decode_token(token):
    payload = token.removeprefix("k8s-aws-v1.")
    return base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()


def test_token_is_a_presigned_regional_sts_url_made_without_network(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("the token must be made without a network call")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    credentials = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "session-token")

    token = kube.bearer_token("container-platform-dev-eu-west-1", "eu-west-1", credentials)

    assert token.startswith("k8s-aws-v1.")
    assert "=" not in token
    assert set(token.removeprefix("k8s-aws-v1.")) <= set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    )
    url = urllib.parse.urlsplit(_decode_token(token))
    query = urllib.parse.parse_qs(url.query)
    assert (url.scheme, url.netloc, url.path) == ("https", "sts.eu-west-1.amazonaws.com", "/")
    assert query["Action"] == ["GetCallerIdentity"]
    assert query["Version"] == ["2011-06-15"]
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert query["X-Amz-Expires"] == ["60"]
    assert "x-k8s-aws-id" in query["X-Amz-SignedHeaders"][0].split(";")
    assert query["X-Amz-Credential"][0].startswith("AKIDEXAMPLE/")
    assert query["X-Amz-Credential"][0].endswith("/eu-west-1/sts/aws4_request")
    assert query["X-Amz-Security-Token"] == ["session-token"]
    assert len(query["X-Amz-Signature"][0]) == 64


def test_token_is_unpadded_base64url_whatever_the_url_length():
    # Session tokens of three lengths give URL lengths of every remainder mod 3, so one of them would
    # need padding. In ap-southeast-2 the '?' of the URL ends a 3-byte group, which standard base64
    # writes as '/': the URL-safe alphabet is really exercised.
    for session_token in ("t", "tt", "ttt"):
        token = kube.bearer_token("c", "ap-southeast-2", Credentials("AKIDEXAMPLE", "secret", session_token))
        payload = token.removeprefix("k8s-aws-v1.")
        url = _decode_token(token)
        assert payload == base64.urlsafe_b64encode(url.encode()).decode().rstrip("=")
        assert set(payload) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def test_token_signature_depends_on_the_cluster_name():
    credentials = Credentials("AKIDEXAMPLE", "secret")

    def signature(cluster):
        url = _decode_token(kube.bearer_token(cluster, "us-east-1", credentials))
        return urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["X-Amz-Signature"][0]

    assert signature("cluster-a") != signature("cluster-b")


# ---------------------------------------------------------------- TLS and the entry point


def _self_signed(directory, name):
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    cert, key = directory / f"{name}.crt", directory / f"{name}.key"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", f"/CN={name}"),
            *("-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


@pytest.fixture
def tls_server(api, tmp_path):
    cert, key = _self_signed(tmp_path, "cluster-ca")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    with _Server(api, tls=context) as server:
        yield server, base64.b64encode(cert.read_bytes()).decode()


@pytest.fixture
def aws_env(monkeypatch, tmp_path):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "session-token")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.delenv("AWS_PROFILE", raising=False)


def test_handler_end_to_end_over_tls_with_the_cluster_ca(api, tls_server, aws_env):
    server, ca = tls_server
    objects = [namespace("trident"), backend("ontap")]
    ev = event(objects, endpoint=server.url, certificateAuthority=ca)

    result = kube.handler(ev, None)

    assert result == {"applied": ["Namespace/trident", "TridentBackendConfig/trident/ontap"], "deleted": []}
    authorization = api.requests[0][3]["authorization"]
    assert authorization.startswith("Bearer k8s-aws-v1.")
    sts_url = _decode_token(authorization.removeprefix("Bearer "))
    assert sts_url.startswith("https://sts.us-east-1.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15&")


def test_endpoint_signed_by_another_ca_fails_at_once(api, tls_server, tmp_path, clock):
    server, _ = tls_server
    other, _ = _self_signed(tmp_path, "other-ca")
    transport = kube.urllib_transport(kube.ssl_context(base64.b64encode(other.read_bytes()).decode()))
    with pytest.raises(
        kube.ApplyError, match=r"TLS verification of https://127.0.0.1:\d+/api/v1/namespaces/a.* failed"
    ):
        execute(event([namespace("a")]), transport, clock, endpoint=server.url)
    assert clock.sleeps == []
    assert api.requests == []


def test_ssl_context_checks_host_names_without_python_313_strict_profile(tmp_path):
    cert, _ = _self_signed(tmp_path, "cluster-ca")
    context = kube.ssl_context(base64.b64encode(cert.read_bytes()).decode())
    assert context.check_hostname is True
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert not context.verify_flags & ssl.VERIFY_X509_STRICT
    assert len(context.get_ca_certs()) == 1  # the cluster CA only, not the system store
