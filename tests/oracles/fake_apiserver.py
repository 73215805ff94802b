"""A throwaway Kubernetes API stand-in on 127.0.0.1:8080 that accepts every write, so the
Helm 4 library (which has no client-only dry run) can `install` a chart and return the
rendered release: discovery for the kinds charts use, an OpenAPI document without
definitions, collections listing what was created (a Job as complete, since Helm waits for
hook Jobs). Run as a script, it serves on 127.0.0.1:8080 for helm_release.py, which generated
tests/corpora/apps/podinfo-chart/ (see its SOURCE); helm.py's `template` imports it and serves
`H` on a free port inside its own process (`serve`)."""
import json, sys, uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

GROUPS = {
    "apps/v1": [("deployments", "Deployment"), ("statefulsets", "StatefulSet"), ("daemonsets", "DaemonSet")],
    "batch/v1": [("jobs", "Job"), ("cronjobs", "CronJob")],
    "networking.k8s.io/v1": [("ingresses", "Ingress"), ("ingressclasses", "IngressClass")],
    "policy/v1": [("poddisruptionbudgets", "PodDisruptionBudget")],
    "autoscaling/v2": [("horizontalpodautoscalers", "HorizontalPodAutoscaler")],
    "rbac.authorization.k8s.io/v1": [("roles", "Role"), ("rolebindings", "RoleBinding")],
}
CORE = [("secrets", "Secret"), ("configmaps", "ConfigMap"), ("services", "Service"),
        ("serviceaccounts", "ServiceAccount"), ("pods", "Pod"), ("namespaces", "Namespace"),
        ("persistentvolumeclaims", "PersistentVolumeClaim")]

CREATED = {}


def resources(gv, items):
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": [
        {"name": n, "singularName": k.lower(), "namespaced": k != "Namespace", "kind": k,
         "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"]} for n, k in items]}

class H(BaseHTTPRequestHandler):
    def send(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *a):
        sys.stderr.write("%s %s\n" % (self.command, self.path))

    def do_GET(self):
        p = self.path.split("?")[0]
        if p == "/version":
            return self.send(200, {"major": "1", "minor": "33", "gitVersion": "v1.33.0", "platform": "linux/amd64"})
        if p == "/openapi/v2":
            # An OpenAPI document with no definitions (gnostic's protobuf: field 1, "2.0").
            data = b"\x0a\x032.0"
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            return self.wfile.write(data)
        if p == "/openapi/v3":
            return self.send(200, {"paths": {}})
        if p == "/api":
            return self.send(200, {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1:8080"}]})
        if p == "/apis":
            groups = {}
            for gv in GROUPS:
                g, v = gv.split("/")
                groups.setdefault(g, []).append({"groupVersion": gv, "version": v})
            return self.send(200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": [
                {"name": g, "versions": vs, "preferredVersion": vs[0]} for g, vs in groups.items()]})
        if p == "/api/v1":
            return self.send(200, resources("v1", CORE))
        if p.startswith("/apis/") and p[6:] in GROUPS:
            return self.send(200, resources(p[6:], GROUPS[p[6:]]))
        if "watch=true" in self.path:
            # No events: the client lists again.
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        last = p.rstrip("/").split("/")[-1]
        if any(last == n for n, _ in CORE) or any(last == n for items in GROUPS.values() for n, _ in items):
            # A collection: what was created in it, a Job as complete (Helm waits for hook Jobs).
            items = [o for path, o in CREATED.items() if path.startswith(p + "/")]
            return self.send(200, {"kind": "List", "apiVersion": "v1", "metadata": {"resourceVersion": "2"}, "items": items})
        return self.send(404, {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "NotFound", "code": 404, "message": "not found"})

    def write(self, code):
        n = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(n)
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            # A typed client's protobuf body (Helm's release Secret): answer with a stand-in.
            body = {"kind": "Secret", "apiVersion": "v1", "metadata": {"name": "release"}}
        meta = body.setdefault("metadata", {})
        meta.setdefault("uid", str(uuid.uuid4()))
        meta["resourceVersion"] = "2"
        meta.setdefault("creationTimestamp", "2026-01-01T00:00:00Z")
        if body.get("kind") == "Job":
            body["status"] = {"succeeded": 1, "conditions": [{"type": "Complete", "status": "True"}]}
        if self.command == "POST":
            CREATED[self.path.split("?")[0].rstrip("/") + "/" + meta.get("name", "")] = body
        self.send(code, body)

    def do_POST(self):
        self.write(201)

    def do_PUT(self):
        self.write(200)

    def do_PATCH(self):
        self.write(200)

    def do_DELETE(self):
        self.send(200, {"kind": "Status", "apiVersion": "v1", "status": "Success"})


def serve(port: int = 0) -> ThreadingHTTPServer:
    """Serves on 127.0.0.1:`port` (0: a free one) in a daemon thread; returns the server."""
    import threading
    server = ThreadingHTTPServer(("127.0.0.1", port), H)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


if __name__ == "__main__":
    ThreadingHTTPServer(("127.0.0.1", 8080), H).serve_forever()
