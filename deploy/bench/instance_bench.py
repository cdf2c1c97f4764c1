#!/usr/bin/env python3
"""Measures users' gateways on a running platform (see instance-bench.sh, which starts it).

Phases (each prints a Markdown table and appends it to the results file):
  signups  sign up N users one after another through the public gateway and time each from the
           register call until GET /api/instance/status says READY; each instance is deleted
           afterwards so that the next sign-up finds the same conditions.
  apply    for one READY user, add and remove an agent N times and time each change from the
           agent-service call until the instance reports the new configuration applied.
  chat     N chats through the platform (gateway -> instance-service -> the user's gateway) and N
           straight to the user's gateway (its token read from its process environment, which
           only the machine's owner can do), same prompt, same model proxy behind both.
  memory   resident memory of the user's gateway process (and its children); on the container
           runtime also the container's own memory figure (its cgroup's usage, as podman stats
           reports it), which counts the page cache its files brought in.

--runtime local|container says where the platform runs gateways (how to find a gateway's
process, address and token); --label prefixes the tables' rows. signups also times each new
user's first answer: from READY until the first streamed words of a chat.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request

BASE = os.environ.get("LINGXI_URL", "http://127.0.0.1:8080")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
INSTANCES = os.environ.get("LINGXI_INSTANCE_DIR", os.path.join(ROOT, "var", "instances"))
METRICS = os.environ.get("INSTANCE_METRICS", "http://127.0.0.1:8092/actuator/prometheus")


def call(method, path, body=None, token=None, base=BASE, headers=None, timeout=300):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", "Bearer " + token)
    for key, value in (headers or {}).items():
        request.add_header(key, value)
    for _ in range(10):
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                raw = response.read()
                return response.status, (json.loads(raw) if raw and raw[:1] in b"{[" else raw)
        except urllib.error.HTTPError as error:
            raw = error.read()
            if error.code == 429:  # the gateway's per-user rate limit: wait as told
                time.sleep(float(error.headers.get("Retry-After") or 1))
                continue
            try:
                return error.code, json.loads(raw)
            except ValueError:
                return error.code, raw
    sys.exit("%s %s: still rate limited after 10 tries" % (method, path))


def percentile(values, p):
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p / 100
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def summary(values):
    return "%.0f | %.0f | %.0f | %.0f" % (percentile(values, 50), percentile(values, 99), min(values), max(values))


def sign_up(phone):
    status, body = call("POST", "/api/auth/sms-code", {"phone": phone})
    if status != 202:
        sys.exit("sms-code for %s: %s %s" % (phone, status, body))
    status, inbox = call("GET", "/api/dev/sms/" + phone)
    if status != 200:
        sys.exit("dev inbox: %s %s (is the SMS sender 'log'?)" % (status, inbox))
    started = time.monotonic()
    status, session = call("POST", "/api/auth/register",
                           {"phone": phone, "code": inbox["messages"][0]["code"], "password": "bench-pass-123"})
    if status != 201:
        sys.exit("register %s: %s %s" % (phone, status, session))
    return started, session["accessToken"]


def await_ready(token, started, limit=300):
    steps = []
    while time.monotonic() - started < limit:
        status, body = call("GET", "/api/instance/status", token=token)
        if status == 200:
            steps = body.get("steps", [])
            if body["state"] == "READY":
                return (time.monotonic() - started) * 1000, body
            if body["state"] == "ERROR":
                sys.exit("instance in ERROR: %s" % body.get("error"))
        # 10 polls a second: the free plan's sustained rate at the gateway.
        time.sleep(0.1)
    sys.exit("not READY after %d s; last steps: %s" % (limit, steps[-3:]))


def warm_gateways():
    """Warm, warmed-up gateways waiting in the pool (instance-service's gauge)."""
    try:
        with urllib.request.urlopen(METRICS, timeout=10) as response:
            for line in response.read().decode().splitlines():
                if line.startswith("lingxi_instances{") and 'state="WARM"' in line:
                    return float(line.rsplit(" ", 1)[1])
    except OSError:
        pass
    return 0


def first_answer(token):
    """Time from now until the first streamed words of a chat with the default agent (ms)."""
    request = urllib.request.Request(BASE + "/api/instance/chat", method="POST",
                                     data=json.dumps({"agentId": "assistant", "message": "Hello!"}).encode())
    request.add_header("Content-Type", "application/json")
    request.add_header("Authorization", "Bearer " + token)
    started = time.monotonic()
    with urllib.request.urlopen(request, timeout=300) as response:
        for line in response:
            if line.startswith(b"event:delta"):
                took = (time.monotonic() - started) * 1000
                response.read()  # let the chat finish, so that it is metered and the next one is alone
                return took
    sys.exit("the first chat ended without an answer")


def delete_instance(token):
    call("DELETE", "/api/instance/delete", token=token)
    for _ in range(600):
        status, _ = call("GET", "/api/instance/status", token=token)
        if status == 404:
            return
        time.sleep(0.2)
    sys.exit("instance not deleted within 120 s")


def phase_signups(args, out):
    times, paths, answers = [], [], []
    # The first warm sign-up after a start pays for the services' JIT and first calls to each
    # other; it is made and reported, but not counted.
    warmup = args.warmup if args.warmup is not None else (1 if args.expect == "warm" else 0)
    for i in range(-warmup, args.count):
        if args.expect == "warm":
            deadline = time.monotonic() + 300
            while warm_gateways() < 1:
                if time.monotonic() > deadline:
                    sys.exit("the warm pool did not refill within 300 s")
                time.sleep(1)
            time.sleep(args.settle)
        phone = "13%09d" % (args.phone_base + i + warmup)
        started, token = sign_up(phone)
        took, status = await_ready(token, started)
        cold = any("no warm gateway free" in (step.get("detail") or "") for step in status["steps"])
        path = "cold" if cold else "warm"
        if i < 0:
            print("  warm-up sign-up (%s, not counted): READY after %.0f ms" % (path, took), flush=True)
            delete_instance(token)
            continue
        times.append(took)
        paths.append(path)
        answers.append(first_answer(token))
        print("  sign-up %2d (%s): READY after %.0f ms, first answer %.0f ms later" % (i + 1, paths[-1], took,
                                                                                       answers[-1]), flush=True)
        if not args.keep_last or i < args.count - 1:
            delete_instance(token)
        else:
            with open(args.token_file, "w") as handle:
                handle.write(token)
    unexpected = [p for p in paths if p != args.expect]
    out.append("| %s%s | %d | %s |%s" % (args.label, args.expect, len(times), summary(times),
                                          " (%d took the other path)" % len(unexpected) if unexpected else ""))
    out.append("| %s%s: first answer after READY | %d | %s |" % (args.label, args.expect, len(answers),
                                                                  summary(answers)))


def phase_apply(args, out):
    token = open(args.token_file).read().strip()
    times = []
    agents = ["coder", "ops", "pm", "inventor", "writer"]
    for i in range(args.count):
        status, before = call("GET", "/api/instance/status", token=token)
        version = before.get("appliedConfigVersion") or 0
        agent = agents[(i // 2) % len(agents)]
        started = time.monotonic()
        if i % 2 == 0:
            status, body = call("POST", "/api/agents", {"agentId": agent}, token=token)
            if status not in (200, 201):
                sys.exit("add agent: %s %s" % (status, body))
        else:
            status, body = call("DELETE", "/api/agents/" + agent, token=token)
            if status not in (200, 204):
                sys.exit("remove agent: %s %s" % (status, body))
        while True:
            status, now = call("GET", "/api/instance/status", token=token)
            # A team back to an earlier state is that earlier version again: any change counts.
            if (now.get("appliedConfigVersion") or 0) != version and not now.get("configError"):
                break
            if now.get("configError") and now.get("configError") != before.get("configError"):
                sys.exit("configuration refused: %s" % now["configError"])
            if time.monotonic() - started > 120:
                sys.exit("change not applied within 120 s")
            time.sleep(0.1)
        times.append((time.monotonic() - started) * 1000)
        print("  change %2d: applied after %.0f ms" % (i + 1, times[-1]), flush=True)
    out.append("| %sagent added or removed → applied live | %d | %s |" % (args.label, len(times), summary(times)))


def container_of(token):
    status, body = call("GET", "/api/instance/status", token=token)
    name = "lingxi-gw-" + body["instanceId"]
    inspect = json.loads(subprocess.run(["podman", "--runtime", "runc", "inspect", name], check=True,
                                        capture_output=True).stdout)[0]
    return name, inspect


def gateway_of(token, runtime="local"):
    if runtime == "container":
        name, inspect = container_of(token)
        secret = next(v.split("=", 1)[1] for v in inspect["Config"]["Env"] if v.startswith("OPENCLAW_GATEWAY_TOKEN="))
        address = next(iter(inspect["NetworkSettings"]["Networks"].values()))["IPAddress"]
        return inspect["State"]["Pid"], "http://%s:18789" % address, secret
    status, body = call("GET", "/api/instance/status", token=token)
    folder = os.path.join(INSTANCES, body["instanceId"])
    pid = int(open(os.path.join(folder, "pid")).read())
    port = int(open(os.path.join(folder, "port")).read())
    environ = open("/proc/%d/environ" % pid, "rb").read().split(b"\0")
    secret = next(v.split(b"=", 1)[1].decode() for v in environ if v.startswith(b"OPENCLAW_GATEWAY_TOKEN="))
    return pid, "http://127.0.0.1:%d" % port, secret


def timed_chat(base, path, token):
    body = {"model": "openclaw/assistant", "messages": [{"role": "user", "content": "Say hello in five words."}]}
    started = time.monotonic()
    status, answer = call("POST", path, body, token=token, base=base)
    if status != 200:
        sys.exit("chat via %s%s: %s %s" % (base, path, status, answer))
    return (time.monotonic() - started) * 1000


def phase_chat(args, out):
    token = open(args.token_file).read().strip()
    _, endpoint, secret = gateway_of(token, args.runtime)
    for _ in range(3):
        timed_chat(BASE, "/api/instance/v1/chat/completions", token)
    platform, direct = [], []
    for _ in range(args.count):
        platform.append(timed_chat(BASE, "/api/instance/v1/chat/completions", token))
        direct.append(timed_chat(endpoint, "/v1/chat/completions", secret))
    out.append("| %sthrough the platform | %d | %s |" % (args.label, len(platform), summary(platform)))
    out.append("| %sstraight to the gateway | %d | %s |" % (args.label, len(direct), summary(direct)))
    out.append("| %sdifference of medians | | %.0f ms | | | |" % (args.label, statistics.median(platform)
                                                                  - statistics.median(direct)))


def rss_kb(pid):
    total = 0
    pids = [pid]
    while pids:
        current = pids.pop()
        try:
            for line in open("/proc/%d/status" % current):
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
            for task in os.listdir("/proc/%d/task" % current):
                children = open("/proc/%d/task/%s/children" % (current, task)).read().split()
                pids.extend(int(c) for c in children)
        except OSError:
            pass
    return total


def phase_memory(args, out):
    token = open(args.token_file).read().strip()
    pid, _, _ = gateway_of(token, args.runtime)
    out.append("| %sgateway process tree (resident), after the chats | %.0f MB |" % (args.label, rss_kb(pid) / 1024))
    if args.runtime == "container":
        name, _ = container_of(token)
        stats = json.loads(subprocess.run(["podman", "--runtime", "runc", "stats", "--no-stream", "--format", "json",
                                           name], check=True, capture_output=True).stdout)[0]
        out.append("| %sgateway container (cgroup usage), after the chats | %s |" % (args.label, stats["mem_usage"]))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("phase", choices=["signups", "apply", "chat", "memory"])
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--expect", choices=["warm", "cold"], default="warm")
    parser.add_argument("--phone-base", type=int, default=int(time.time()) % 100000000)
    parser.add_argument("--settle", type=float, default=2.0, help="seconds between a refill and the next sign-up")
    parser.add_argument("--keep-last", action="store_true")
    parser.add_argument("--runtime", choices=["local", "container"], default="local")
    parser.add_argument("--label", default="", help="prefix of the rows' first column")
    parser.add_argument("--warmup", type=int, default=None, help="sign-ups made first and not counted (warm: 1)")
    parser.add_argument("--token-file", default=os.path.join(ROOT, "var", "bench", "instance", "token"))
    parser.add_argument("--results", default=os.path.join(ROOT, "var", "bench", "instance", "results.md"))
    args = parser.parse_args()
    os.makedirs(os.path.dirname(args.results), exist_ok=True)
    out = []
    {"signups": phase_signups, "apply": phase_apply, "chat": phase_chat, "memory": phase_memory}[args.phase](args, out)
    with open(args.results, "a") as handle:
        handle.write("\n".join(out) + "\n")
    print("\n".join(out))


if __name__ == "__main__":
    main()
