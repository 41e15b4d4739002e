#!/usr/bin/env python3
"""Checks deploy/ without a Docker engine or a cluster, and runs everything that can run here.

1. Dockerfile: hadolint; the build stage's `cargo build` run as CI runs it (dev profile, no
   other build command allowed); the runtime stage's ENTRYPOINT, CMD, ENV and HEALTHCHECK run
   against that binary, then STOPSIGNAL.
2. Kubernetes: every overlay rendered by kubectl's kustomize and validated by
   kubernetes-validate --strict (bundled schemas, no network) for the oldest supported
   Kubernetes and the newest the tool knows; then what schemas cannot say (security context,
   probes, selectors, named ports, volumes and the objects they name); then the riserbo
   container run as the Deployment describes it (args, env, mounted ConfigMap and Secret
   files) until its probes pass, and stopped as the kubelet stops it. The gateway's init
   container writes the descriptor and Envoy validates the rendered sidecar configuration.
3. Envoy: `envoy --mode validate`, then Envoy in front of a real server: the examples in
   deploy/README.md (curl, HTTP/JSON), a gRPC-Web call and a CORS preflight.
4. OpenTelemetry Collector configuration: YAML and the references between its sections (no
   collector binary comes from the registries this project may use).

Run by scripts/test with the deploy tools' Python (scripts/tools.sh deploy-python).
"""
import base64
import json
import os
import re
import shlex
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import readme_examples  # noqa: E402  (the README example format and its normalisation)

BINARY = os.path.join(ROOT, "target", "debug", "riserbo")
DOCKERFILE = os.path.join(ROOT, "deploy", "docker", "Dockerfile")
# Kubernetes versions the manifests are validated for: 1.30 is the oldest they support
# (preStop sleep), 1.37 the newest kubernetes-validate ships.
KUBERNETES_VERSIONS = ["1.30.0", "1.37.0"]
# Flags the manifests use that another branch adds in parallel: dropped from the local run
# (with a note) only while this binary lacks them. Remove an entry once it has merged.
# Flags a manifest may use before the binary has them (none now).
PENDING_FLAGS: dict[str, str] = {}
# Build-stage commands that only lay out the image's file system.
LAYOUT_COMMANDS = ("mkdir ",)

failures = []


def fail(message):
    failures.append(message)
    print(f"  FAIL {message}")


def ok(message):
    print(f"  ok   {message}")


def tool(name):
    return subprocess.run([os.path.join(ROOT, "scripts", "tools.sh"), name], check=True,
                          capture_output=True, text=True).stdout.strip()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, seconds, what):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    fail(f"not within {seconds} s: {what}")
    return False


def stop(process, signum=signal.SIGTERM, within=10):
    """Sends `signum` and returns the exit code (None if it had to be killed)."""
    if process.poll() is not None:
        return process.returncode
    process.send_signal(signum)
    try:
        return process.wait(timeout=within)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        return None


def health(port, service="riserbo.v1.PolicyService"):
    result = subprocess.run([BINARY, "health", "--addr", f"127.0.0.1:{port}", "--service", service,
                             "--timeout-ms", "500"], capture_output=True, text=True)
    return result.returncode == 0


# ---------------------------------------------------------------------------------------------
# 1. Dockerfile


def dockerfile_stages(path):
    """[(from_line, [(INSTRUCTION, arguments)])], continuation lines joined, comments dropped."""
    stages, joined = [], ""
    for line in open(path, encoding="utf-8").read().splitlines():
        stripped = line.strip()
        if stripped.startswith("#") or (not joined and not stripped):
            continue
        if stripped.endswith("\\"):
            joined += stripped[:-1] + " "
            continue
        joined += stripped
        word, _, rest = joined.partition(" ")
        joined = ""
        if word.upper() == "FROM":
            stages.append((rest.strip(), []))
        elif word.upper() == "ARG" and not stages:
            continue
        else:
            stages[-1][1].append((word.upper(), rest.strip()))
    return stages


def image_env(instructions):
    env = {}
    for word, rest in instructions:
        if word == "ENV":
            for pair in shlex.split(rest):
                key, _, value = pair.partition("=")
                env[key] = value
    return env


def exec_form(rest):
    value = json.loads(rest)
    assert isinstance(value, list), f"not exec form: {rest}"
    return value


def check_dockerfile():
    print("== Dockerfile (deploy/docker/Dockerfile)")
    result = subprocess.run([tool("hadolint"), DOCKERFILE], capture_output=True, text=True)
    if result.returncode == 0:
        ok("hadolint: no findings")
    else:
        fail("hadolint:\n" + result.stdout + result.stderr)

    stages = dockerfile_stages(DOCKERFILE)
    build = [s for s in stages if s[0].lower().endswith(" as build")]
    if len(build) != 1:
        fail("expected one build stage (FROM ... AS build)")
        return {}
    for word, rest in build[0][1]:
        if word != "RUN":
            continue
        command = " ".join(t for t in shlex.split(rest) if not t.startswith("--mount="))
        if command.startswith("cargo "):
            ci_command = [t for t in shlex.split(command) if t != "--release"]
            run = subprocess.run(ci_command, cwd=ROOT, capture_output=True, text=True)
            if run.returncode == 0:
                ok(f"build step, as CI runs it: {' '.join(ci_command)}")
            else:
                fail(f"build step {' '.join(ci_command)} failed:\n{run.stderr[-3000:]}")
        elif command.startswith(LAYOUT_COMMANDS):
            ok(f"layout step (not a build): {command}")
        else:
            fail(f"build step CI does not run: {command!r} (only cargo and layout steps belong here)")

    runtime = stages[-1][1]
    user = [rest for word, rest in runtime if word == "USER"]
    if not user or user[-1].split(":")[0] in ("0", "root"):
        fail("the runtime stage must end as a non-root user")
    else:
        ok(f"runtime user {user[-1]}")
    # COPY --from=build /src/target/release/X /usr/local/bin/X: that binary is CI's debug one.
    binaries = {}
    for word, rest in runtime:
        parts = shlex.split(rest)
        if word == "COPY" and "--from=build" in parts and "/target/release/" in parts[-2]:
            binaries[parts[-1]] = os.path.join(ROOT, "target", "debug", os.path.basename(parts[-2]))
    entrypoint = [exec_form(rest) for word, rest in runtime if word == "ENTRYPOINT"][-1]
    cmd = [exec_form(rest) for word, rest in runtime if word == "CMD"][-1]
    healthcheck = [rest for word, rest in runtime if word == "HEALTHCHECK"]
    env = image_env(runtime)
    image = {"entrypoint": entrypoint, "cmd": cmd, "env": env, "binaries": binaries}
    if not healthcheck:
        fail("no HEALTHCHECK")
        return image
    check_cmd = exec_form(healthcheck[-1].split(" CMD ", 1)[1])
    image["healthcheck"] = check_cmd

    port = free_port()
    data = tempfile.mkdtemp(prefix="riserbo-image-data-")
    run_env = {k: v for k, v in os.environ.items() if not k.startswith("RISERBO_")}
    run_env.update(env)
    run_env["RISERBO_LISTEN"] = re.sub(r":\d+$", f":{port}", env.get("RISERBO_LISTEN", "0.0.0.0:50051"))
    if "RISERBO_DATA_DIR" in env:
        run_env["RISERBO_DATA_DIR"] = data
    argv = [binaries.get(a, a) for a in entrypoint + cmd]
    server = subprocess.Popen(argv, env=run_env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        check_argv = [binaries.get(a, a) for a in check_cmd]
        if wait_for(lambda: subprocess.run(check_argv, env=run_env, capture_output=True).returncode == 0,
                    15, "the image's HEALTHCHECK passes"):
            ok(f"image started ({' '.join(entrypoint + cmd)}, ENV {', '.join(sorted(env))}); "
               f"HEALTHCHECK {' '.join(check_cmd)} passes")
    finally:
        code = stop(server)
        stderr = server.stderr.read().decode(errors="replace")
        shutil.rmtree(data, ignore_errors=True)
    if code == 0:
        ok("STOPSIGNAL SIGTERM: drained and exited 0")
    else:
        fail(f"after SIGTERM the server exited {code}:\n{stderr[-2000:]}")
    return image


# ---------------------------------------------------------------------------------------------
# 2. Kubernetes


def render(overlay, workdir):
    """Renders an overlay from a copy of deploy/, with a keys.toml made from the example."""
    copy = os.path.join(workdir, "deploy")
    shutil.copytree(os.path.join(ROOT, "deploy"), copy,
                    ignore=shutil.ignore_patterns("keys.toml"))
    overlay_dir = os.path.join(copy, "kubernetes", "overlays", overlay)
    example = os.path.join(overlay_dir, "keys.example.toml")
    if os.path.exists(example):
        secret = base64.b64encode(os.urandom(32)).decode()
        text = re.sub(r'secret = "[^"]*"', f'secret = "{secret}"', open(example).read())
        open(os.path.join(overlay_dir, "keys.toml"), "w").write(text)
    result = subprocess.run([tool("kubectl"), "kustomize", overlay_dir], capture_output=True, text=True)
    if result.returncode != 0:
        fail(f"kustomize {overlay}: {result.stderr}")
        return None, []
    path = os.path.join(workdir, f"{overlay}.yaml")
    open(path, "w").write(result.stdout)
    return path, [d for d in yaml.safe_load_all(result.stdout) if d]


def selects(selector, labels):
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def check_pod_spec(name, spec, objects):
    """What the schema cannot say about a pod template."""
    problems = []
    pod_sc = spec.get("securityContext", {})
    if not pod_sc.get("runAsNonRoot"):
        problems.append("pod securityContext.runAsNonRoot is not true")
    if pod_sc.get("seccompProfile", {}).get("type") != "RuntimeDefault":
        problems.append("pod seccompProfile is not RuntimeDefault")
    if spec.get("automountServiceAccountToken") is not False:
        problems.append("automountServiceAccountToken is not false")
    volumes = {v["name"]: v for v in spec.get("volumes", [])}
    for kind, containers in (("container", spec.get("containers", [])),
                             ("init container", spec.get("initContainers", []))):
        for c in containers:
            where = f"{kind} {c['name']}"
            sc = c.get("securityContext", {})
            if sc.get("allowPrivilegeEscalation") is not False:
                problems.append(f"{where}: allowPrivilegeEscalation is not false")
            if sc.get("readOnlyRootFilesystem") is not True:
                problems.append(f"{where}: readOnlyRootFilesystem is not true")
            if "ALL" not in sc.get("capabilities", {}).get("drop", []):
                problems.append(f"{where}: capabilities do not drop ALL")
            resources = c.get("resources", {})
            for key in ("requests.cpu", "requests.memory", "limits.memory"):
                section, item = key.split(".")
                if item not in resources.get(section, {}):
                    problems.append(f"{where}: no {key}")
            image = c.get("image", "")
            if ":" not in image.rsplit("/", 1)[-1] or image.endswith(":latest"):
                problems.append(f"{where}: image {image!r} has no pinned tag")
            if kind == "container":
                for probe in ("readinessProbe", "livenessProbe"):
                    if probe not in c:
                        problems.append(f"{where}: no {probe}")
                ports = {p.get("name") for p in c.get("ports", [])} | {p["containerPort"] for p in c.get("ports", [])}
                for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
                    action = c.get(probe, {})
                    for handler in ("grpc", "httpGet", "tcpSocket"):
                        if handler in action and action[handler]["port"] not in ports:
                            problems.append(f"{where}: {probe} port {action[handler]['port']} is not a container port")
            for mount in c.get("volumeMounts", []):
                if mount["name"] not in volumes:
                    problems.append(f"{where}: mounts undefined volume {mount['name']}")
            for env in c.get("env", []):
                ref = env.get("valueFrom", {})
                for key, kind_name in (("configMapKeyRef", "ConfigMap"), ("secretKeyRef", "Secret")):
                    if key in ref and not ref[key].get("optional"):
                        target = find(objects, kind_name, ref[key]["name"])
                        if not target or ref[key]["key"] not in {**target.get("data", {}), **target.get("stringData", {})}:
                            problems.append(f"{where}: env {env['name']} names missing {kind_name} key "
                                            f"{ref[key]['name']}/{ref[key]['key']}")
    for volume in volumes.values():
        for key, kind_name, field in (("configMap", "ConfigMap", "name"), ("secret", "Secret", "secretName")):
            if key in volume and not volume[key].get("optional") and not find(objects, kind_name, volume[key][field]):
                problems.append(f"volume {volume['name']} names missing {kind_name} {volume[key][field]}")
    return [f"{name}: {p}" for p in problems]


def find(objects, kind, name):
    for o in objects:
        if o["kind"] == kind and o["metadata"]["name"] == name:
            return o
    return None


def check_objects(overlay, objects):
    problems = []
    deployments = [o for o in objects if o["kind"] == "Deployment"]
    for d in deployments:
        spec = d["spec"]["template"]["spec"]
        labels = d["spec"]["template"]["metadata"].get("labels", {})
        if not selects(d["spec"]["selector"]["matchLabels"], labels):
            problems.append(f"Deployment {d['metadata']['name']}: selector does not match its pods")
        problems += check_pod_spec(f"Deployment {d['metadata']['name']}", spec, objects)

    def pods_selected(selector):
        return [d for d in deployments if selects(selector, d["spec"]["template"]["metadata"].get("labels", {}))]

    for s in (o for o in objects if o["kind"] == "Service"):
        targets = pods_selected(s["spec"].get("selector", {}))
        if not targets:
            problems.append(f"Service {s['metadata']['name']}: selects no Deployment's pods")
        for port in s["spec"]["ports"]:
            names = {p.get("name") for d in targets for c in d["spec"]["template"]["spec"]["containers"]
                     for p in c.get("ports", [])}
            if isinstance(port.get("targetPort"), str) and port["targetPort"] not in names:
                problems.append(f"Service {s['metadata']['name']}: targetPort {port['targetPort']} is no container port")
    for h in (o for o in objects if o["kind"] == "HorizontalPodAutoscaler"):
        target = find(objects, h["spec"]["scaleTargetRef"]["kind"], h["spec"]["scaleTargetRef"]["name"])
        if not target:
            problems.append(f"HPA {h['metadata']['name']}: no such scale target")
        elif h["spec"]["minReplicas"] > h["spec"]["maxReplicas"]:
            problems.append(f"HPA {h['metadata']['name']}: minReplicas > maxReplicas")
    for p in (o for o in objects if o["kind"] == "PodDisruptionBudget"):
        if not pods_selected(p["spec"]["selector"]["matchLabels"]):
            problems.append(f"PodDisruptionBudget {p['metadata']['name']}: selects no pods")
    for n in (o for o in objects if o["kind"] == "Namespace"):
        if n["metadata"].get("labels", {}).get("pod-security.kubernetes.io/enforce") != "restricted":
            problems.append(f"Namespace {n['metadata']['name']}: Pod Security 'restricted' is not enforced")
    for problem in problems:
        fail(f"{overlay}: {problem}")
    if not problems:
        ok(f"{overlay}: security contexts, probes, resources, selectors, ports, volumes and references")


def materialise(volume, objects, directory):
    """Writes what a volume would show in a pod to `directory`."""
    os.makedirs(directory, exist_ok=True)
    if "configMap" in volume:
        for key, value in find(objects, "ConfigMap", volume["configMap"]["name"]).get("data", {}).items():
            open(os.path.join(directory, key), "w").write(value)
    elif "secret" in volume:
        secret = find(objects, "Secret", volume["secret"]["secretName"])
        for key, value in secret.get("data", {}).items():
            open(os.path.join(directory, key), "wb").write(base64.b64decode(value))
        for key, value in secret.get("stringData", {}).items():
            open(os.path.join(directory, key), "w").write(value)


def run_pod(overlay, objects, image, workdir):
    """Runs the riserbo Deployment's containers as the kubelet would, on this machine."""
    deployment = find(objects, "Deployment", "riserbo")
    spec = deployment["spec"]["template"]["spec"]
    volumes = {v["name"]: v for v in spec.get("volumes", [])}

    def prepare(container):
        mounts = {}
        for mount in container.get("volumeMounts", []):
            local = os.path.join(workdir, "volumes", mount["name"])
            if not os.path.exists(local):
                materialise(volumes[mount["name"]], objects, local)
            mounts[mount["mountPath"]] = os.path.join(local, mount["subPath"]) if "subPath" in mount else local

        def local_path(value):
            for path in sorted(mounts, key=len, reverse=True):
                value = value.replace(path, mounts[path])
            return value

        env = {k: v for k, v in os.environ.items() if not k.startswith("RISERBO_")}
        env.update(image["env"])
        for item in container.get("env", []):
            if "value" in item:
                env[item["name"]] = local_path(item["value"])
        args = container.get("args", image["cmd"])
        argv = [image["binaries"].get(a, a) for a in container.get("command", image["entrypoint"])]
        subcommand = args[0] if args and not args[0].startswith("-") else ""
        help_text = subprocess.run([BINARY, subcommand, "--help"], capture_output=True, text=True).stdout
        for arg in args:
            flag = arg.split("=", 1)[0]
            if flag.startswith("--") and flag not in help_text:
                if flag in PENDING_FLAGS:
                    print(f"  note {overlay}: ran without {arg}: this binary lacks it ({PENDING_FLAGS[flag]})")
                    continue
                fail(f"{overlay}: container {container['name']}: riserbo {subcommand} has no {flag}")
            argv.append(local_path(arg))
        return argv, env

    for init in spec.get("initContainers", []):
        if init["image"].split(":")[0].endswith("riserbo"):
            argv, env = prepare(init)
            result = subprocess.run(argv, env=env, capture_output=True, text=True)
            if result.returncode != 0:
                fail(f"{overlay}: init container {init['name']} failed: {result.stderr}")
            else:
                ok(f"{overlay}: init container {init['name']} ran ({' '.join(init['args'])})")

    container = next(c for c in spec["containers"] if c["name"] == "riserbo")
    argv, env = prepare(container)
    port = free_port()
    listen = env.get("RISERBO_LISTEN", "0.0.0.0:50051")
    container_port = int(listen.rsplit(":", 1)[1])
    env["RISERBO_LISTEN"] = f"{listen.rsplit(':', 1)[0]}:{port}"
    if "RISERBO_DATA_DIR" in env and not env["RISERBO_DATA_DIR"].startswith(workdir):
        fail(f"{overlay}: RISERBO_DATA_DIR {env['RISERBO_DATA_DIR']} is not on a volume (read-only root)")
    server = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            if server.poll() is not None:
                break
            grpc = container.get(probe, {}).get("grpc")
            if not grpc:
                continue
            if grpc["port"] != container_port:
                fail(f"{overlay}: {probe} asks port {grpc['port']}, the server listens on {container_port}")
                continue
            service = grpc.get("service", "")
            shown = service or "the whole server"
            passed = wait_for(lambda: server.poll() is not None or health(port, service), 15,
                              f"{overlay}: {probe} (grpc.health.v1, {shown}) passes")
            if passed and server.poll() is None:
                ok(f"{overlay}: {probe} passes (grpc.health.v1, {shown})")
    finally:
        early_exit = server.poll()
        grace = spec.get("terminationGracePeriodSeconds", 30)
        pre_stop = container.get("lifecycle", {}).get("preStop", {}).get("sleep", {}).get("seconds", 0)
        code = stop(server, within=grace - pre_stop)
        stderr = server.stderr.read().decode(errors="replace")
    if early_exit is not None:
        fail(f"{overlay}: the container exited ({early_exit}) before it was stopped:\n{stderr[-2000:]}")
    elif code == 0:
        ok(f"{overlay}: SIGTERM within the grace period: drained and exited 0")
    else:
        fail(f"{overlay}: the container exited {code} after SIGTERM:\n{stderr[-2000:]}")

    for config in (o for o in objects if o["kind"] == "ConfigMap" and "envoy.yaml" in o.get("data", {})):
        descriptor = os.path.join(workdir, "volumes", "envoy-descriptor", "riserbo.pb")
        text = config["data"]["envoy.yaml"].replace("/etc/envoy/descriptor/riserbo.pb", descriptor)
        if envoy_validate(text, workdir):
            ok(f"{overlay}: Envoy accepts the rendered sidecar configuration with the init container's descriptor")


def check_kubernetes(image):
    print("== Kubernetes (deploy/kubernetes)")
    overlays = sorted(os.listdir(os.path.join(ROOT, "deploy", "kubernetes", "overlays")))
    validate = tool("kubernetes-validate")
    for overlay in overlays:
        workdir = tempfile.mkdtemp(prefix=f"riserbo-k8s-{overlay}-")
        try:
            path, objects = render(overlay, workdir)
            if not path:
                continue
            kinds = sorted({o["kind"] for o in objects})
            ok(f"{overlay}: kustomize rendered {len(objects)} objects ({', '.join(kinds)})")
            for version in KUBERNETES_VERSIONS:
                result = subprocess.run([validate, "--strict", "--quiet", "-k", version, path],
                                        capture_output=True, text=True)
                if result.returncode == 0:
                    ok(f"{overlay}: kubernetes-validate --strict, Kubernetes {version}")
                else:
                    fail(f"{overlay}: kubernetes-validate {version}:\n{result.stdout}{result.stderr}")
            check_objects(overlay, objects)
            run_pod(overlay, objects, image, workdir)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# 3. Envoy


def envoy_validate(text, workdir):
    path = os.path.join(workdir, "envoy-validate.yaml")
    open(path, "w").write(text)
    result = subprocess.run([tool("envoy"), "--mode", "validate", "-c", path, "--disable-hot-restart",
                             "--log-level", "error"], capture_output=True, text=True)
    if result.returncode != 0:
        fail(f"envoy --mode validate:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
        return False
    return True


def grpc_web_check_post(port, text):
    """A browser-style gRPC-Web call over HTTP/1.1; returns (verdict, grpc-status)."""
    message = text.encode()
    body = b"\x12" + varint(len(message)) + message          # CheckPostRequest.text = 2
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/riserbo.v1.PolicyService/CheckPost",
        data=b"\x00" + struct.pack(">I", len(body)) + body,
        headers={"content-type": "application/grpc-web+proto", "x-grpc-web": "1",
                 "origin": "https://dashboard.example.com"})
    with urllib.request.urlopen(request, timeout=5) as response:
        payload = response.read()
    verdict, trailers = None, ""
    while payload:
        flag, length = payload[0], struct.unpack(">I", payload[1:5])[0]
        frame, payload = payload[5:5 + length], payload[5 + length:]
        if flag & 0x80:
            trailers += frame.decode()
        elif frame[:1] == b"\x08":                               # CheckPostResponse.verdict = 1
            verdict = frame[1]
    status = re.search(r"grpc-status:\s*(\d+)", trailers)
    return verdict, status.group(1) if status else None


def varint(n):
    out = b""
    while True:
        byte, n = n & 0x7F, n >> 7
        out += bytes([byte | (0x80 if n else 0)])
        if not n:
            return out


def check_envoy():
    print("== Envoy gateway (deploy/envoy/envoy.yaml)")
    workdir = tempfile.mkdtemp(prefix="riserbo-envoy-")
    server = envoy = None
    try:
        descriptor = os.path.join(workdir, "riserbo.pb")
        subprocess.run([BINARY, "descriptor", "--output", descriptor], check=True)
        upstream, gateway, admin = free_port(), free_port(), free_port()
        text = open(os.path.join(ROOT, "deploy", "envoy", "envoy.yaml")).read()
        text = (text.replace("/etc/envoy/descriptor/riserbo.pb", descriptor)
                .replace("port_value: 50051", f"port_value: {upstream}")
                .replace("port_value: 8080", f"port_value: {gateway}")
                .replace("port_value: 9901", f"port_value: {admin}"))
        if not envoy_validate(text, workdir):
            return
        ok(f"envoy --mode validate (Envoy {envoy_version()})")
        config = os.path.join(workdir, "envoy.yaml")
        open(config, "w").write(text)
        server = subprocess.Popen([BINARY, "serve", "--listen", f"127.0.0.1:{upstream}"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not wait_for(lambda: health(upstream), 10, "Riserbo serves"):
            return
        envoy = subprocess.Popen([tool("envoy"), "-c", config, "--disable-hot-restart", "--log-level", "error",
                                  "--base-id", str(os.getpid() % 1000)],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if not wait_for(lambda: http_status(f"http://127.0.0.1:{gateway}/healthz") == 200, 20,
                        "Envoy's /healthz reports Riserbo healthy"):
            return
        ok("Envoy up; /healthz 200 once its gRPC health check of Riserbo passes")
        run_readme_examples(os.path.join(ROOT, "deploy", "README.md"), {"localhost:8080": f"127.0.0.1:{gateway}"})
        verdict, status = grpc_web_check_post(gateway, "Oggi la sig.ra Zoë Müller ha fatto l'impianto!")
        if verdict == 4 and status == "0":
            ok("gRPC-Web CheckPost over HTTP/1.1: VERDICT_BLOCK, grpc-status 0")
        else:
            fail(f"gRPC-Web CheckPost: verdict {verdict}, grpc-status {status}")
        origin = preflight(gateway, "https://dashboard.example.com")
        if origin == "https://dashboard.example.com" and preflight(gateway, "https://elsewhere.example") is None:
            ok("CORS: the dashboards' origin is allowed, others are not")
        else:
            fail(f"CORS preflight: allowed origin {origin!r}")
    finally:
        for process in (envoy, server):
            if process:
                stop(process)
        shutil.rmtree(workdir, ignore_errors=True)


def envoy_version():
    out = subprocess.run([tool("envoy"), "--version"], capture_output=True, text=True).stdout
    match = re.search(r"/(\d+\.\d+\.\d+)/", out)
    return match.group(1) if match else "?"


def http_status(url):
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return response.status
    except urllib.error.HTTPError as e:
        return e.code
    except OSError:
        return None


def preflight(port, origin):
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/v1/posts:check", method="OPTIONS",
        headers={"origin": origin, "access-control-request-method": "POST",
                 "access-control-request-headers": "content-type"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.headers.get("access-control-allow-origin")
    except urllib.error.HTTPError as e:
        return e.headers.get("access-control-allow-origin")


def run_readme_examples(path, replacements):
    """Runs the examples of `path`; with --update, rewrites their shown output instead."""
    update = "--update" in sys.argv
    text = open(path, encoding="utf-8").read()
    count = 0
    updated = text
    for match in reversed(list(readme_examples.BLOCK.finditer(text))):
        count += 1
        cmd = match.group("cmd")
        for old, new in replacements.items():
            cmd = cmd.replace(old, new)
        result = subprocess.run(["bash", "-c", cmd], cwd=ROOT, capture_output=True, text=True)
        got = result.stdout + result.stderr
        if match.group("lang") == "json":
            try:
                got = json.dumps(json.loads(got), indent=2, ensure_ascii=False)
            except json.JSONDecodeError:
                pass
        if update:
            shown = readme_examples.UUID.sub("0190b6a0-0000-7000-8000-000000000000", got.strip())
            updated = updated[:match.start("out")] + shown + updated[match.end("out"):]
            ok(f"{os.path.relpath(path, ROOT)} example {match.group('name')!r} updated")
        elif readme_examples.normalise(got) != readme_examples.normalise(match.group("out")):
            fail(f"{os.path.relpath(path, ROOT)} example {match.group('name')!r} printed:\n{got}")
        else:
            ok(f"{os.path.relpath(path, ROOT)} example {match.group('name')!r}")
    if count == 0:
        fail(f"no examples in {path}")
    if update:
        open(path, "w", encoding="utf-8").write(updated)


# ---------------------------------------------------------------------------------------------
# 4. OpenTelemetry Collector


def check_collector():
    print("== OpenTelemetry Collector configuration")
    path = os.path.join(ROOT, "deploy", "kubernetes", "components", "otel-collector", "config.yaml")
    config = yaml.safe_load(open(path))
    problems = []
    for name, pipeline in config["service"]["pipelines"].items():
        for section in ("receivers", "processors", "exporters"):
            for component in pipeline.get(section, []):
                if component not in config.get(section, {}):
                    problems.append(f"pipeline {name} uses undefined {section[:-1]} {component}")
    for extension in config["service"].get("extensions", []):
        if extension not in config.get("extensions", {}):
            problems.append(f"undefined extension {extension}")
    for problem in problems:
        fail(f"collector: {problem}")
    if not problems:
        ok("collector: every pipeline's receivers, processors and exporters are defined "
           "(not run: no collector binary in the registries)")


def main():
    subprocess.run(["cargo", "build", "--quiet", "--locked"], cwd=ROOT, check=True)
    started = time.time()
    image = check_dockerfile()
    if image:
        check_kubernetes(image)
    check_envoy()
    check_collector()
    if failures:
        print(f"deploy check: {len(failures)} failed")
        sys.exit(1)
    print(f"deploy check: all passed in {time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
