#!/usr/bin/env python3
"""Side-by-side speed comparison of embed.cpp with ONNX Runtime and PyTorch on one model.

Runs `embed bench` (FP32, BF16, and INT8 on an `embed quantize` copy) and the peer runners of
the peer kit (../shared/peers: ort_bench.mjs on model.onnx / model_int8.onnx, torch_bench.py),
alternating engines round by round so machine noise hits all of them alike, then prints the
median of each engine's medians and the ratios to the peers. Peers that are not installed are
skipped, and the script says which and why.

  bench/compare_peers.py --model /tmp/peermodels/bge-m3-random --cases a,b,c [--rounds 3]

Cases: a = 1x16, b = 32x128, c = 1x512, d2048, d8192, or BxS.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CASES = {"a": (1, 16), "b": (32, 128), "c": (1, 512), "d2048": (1, 2048), "d8192": (1, 8192)}


def parse_case(case):
    if case in CASES:
        return CASES[case]
    batch, length = case.split("x")
    return int(batch), int(length)


def run_json(command, env=None):
    """Runs a command that prints one JSON line last; returns (median_ms, peak_rss_mb) or None."""
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        print(f"  ! {' '.join(command[:3])}...: {result.stderr.strip().splitlines()[-1:]}",
              file=sys.stderr)
        return None
    data = json.loads(result.stdout.strip().splitlines()[-1])
    rss = data.get("peak_rss_mb")
    if rss is None and "rss_peak_kb" in data:
        rss = data["rss_peak_kb"] / 1024
    return data["median_ms"], rss


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="HF folder (peer kit layout, with ONNX files)")
    parser.add_argument("--cases", default="a,b,c")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--embed", default=os.path.join(ROOT, "build", "bin", "embed"))
    parser.add_argument("--peers", default=os.path.join(ROOT, "..", "shared", "peers"))
    parser.add_argument("--node-path", default=os.environ.get("NODE_PATH",
                                                              "/tmp/peers-node/node_modules"))
    parser.add_argument("--engines", default="embed-fp32,embed-bf16,embed-int8,ort-fp32,ort-int8,"
                        "torch-fp32,torch-int8,torch-bf16")
    args = parser.parse_args()

    int8_dir = args.model.rstrip("/") + "-embed-int8"
    if not os.path.isdir(int8_dir):
        subprocess.run([args.embed, "quantize", "--model", args.model, "--out", int8_dir],
                       check=True)

    threads = str(args.threads)
    engines = {}

    def embed_cmd(model, dtype):
        return lambda b, l, iters: [args.embed, "bench", "--model", model, "--batch", str(b),
                                    "--length", str(l), "--runs", str(iters), "--threads",
                                    threads, "--dtype", dtype, "--json"]

    engines["embed-fp32"] = (embed_cmd(args.model, "fp32"), None)
    engines["embed-bf16"] = (embed_cmd(args.model, "bf16"), None)
    engines["embed-int8"] = (embed_cmd(int8_dir, "auto"), None)

    skipped = []
    ort = os.path.join(args.peers, "ort_bench.mjs")
    if not shutil.which("node") or not os.path.isdir(os.path.join(args.node_path,
                                                                   "onnxruntime-node")):
        skipped.append("ort-*: node or onnxruntime-node (npm) not found at --node-path")
    elif not os.path.exists(ort):
        skipped.append(f"ort-*: {ort} not found")
    else:
        env = dict(os.environ, NODE_PATH=args.node_path)
        for label, onnx in (("ort-fp32", "model.onnx"), ("ort-int8", "model_int8.onnx")):
            if not os.path.exists(os.path.join(args.model, onnx)):
                skipped.append(f"{label}: {onnx} not in the model folder")
                continue
            engines[label] = (lambda b, l, iters, onnx=onnx, label=label: [
                "node", ort, "--model", args.model, "--onnx", onnx, "--label", label, "--case",
                f"{b}x{l}", "--iters", str(iters), "--threads", threads], env)

    torch_bench = os.path.join(args.peers, "torch_bench.py")
    have_torch = subprocess.run(["/usr/bin/python3", "-c", "import torch"],
                                capture_output=True).returncode == 0
    if not have_torch or not os.path.exists(torch_bench):
        skipped.append("torch-*: Debian python3-torch or the peer kit's torch_bench.py missing")
    else:
        env = {k: v for k, v in os.environ.items() if not k.startswith("OPENBLAS_")}
        env["LD_LIBRARY_PATH"] = "/usr/lib/x86_64-linux-gnu/openblas-openmp"
        for label, peer in (("torch-fp32", "fp32"), ("torch-int8", "int8"),
                            ("torch-bf16", "bf16")):
            engines[label] = (lambda b, l, iters, peer=peer: [
                "/usr/bin/python3", torch_bench, "--model", args.model, "--peer", peer,
                "--case", f"{b}x{l}", "--iters", str(iters), "--threads", threads], env)

    wanted = args.engines.split(",")
    engines = {k: v for k, v in engines.items() if k in wanted}
    for line in skipped:
        print(f"skipped {line}")

    for case in args.cases.split(","):
        batch, length = parse_case(case)
        iters = 10 if batch * length <= 512 else 3
        medians = {name: [] for name in engines}
        rss = {}
        for _ in range(args.rounds):
            for name, (command, env) in engines.items():
                result = run_json(command(batch, length, iters), env)
                medians[name].append(result[0] if result else None)  # None keeps rounds aligned
                if result:
                    rss[name] = max(rss.get(name, 0), result[1] or 0)
        print(f"\ncase {batch}x{length}, {args.threads} threads, {args.rounds} alternating rounds")
        summary = {n: statistics.median([t for t in m if t is not None])
                   for n, m in medians.items() if any(t is not None for t in m)}
        for name, ms in summary.items():
            print(f"  {name:11s} {ms:10.1f} ms  {1000 * batch * length / ms:9.0f} tok/s"
                  f"  peak RSS {rss.get(name, 0):7.0f} MB")
        for ours in ("embed-fp32", "embed-bf16", "embed-int8"):
            if ours not in summary:
                continue
            ratios = [f"{peer} {summary[peer] / summary[ours]:.2f}x{round_range(medians, ours, peer)}"
                      for peer in summary if not peer.startswith("embed")]
            if ratios:
                print(f"  speed-up of {ours} over: " + ", ".join(ratios))


def round_range(medians, ours, peer):
    """The lowest and highest speed-up within single rounds, where the two ran back to back: on a
    shared machine these vary less than medians taken across rounds."""
    per_round = [p / o for o, p in zip(medians[ours], medians[peer]) if o and p]
    if len(per_round) < 2:
        return ""
    return f" (rounds {min(per_round):.2f}-{max(per_round):.2f}x)"


if __name__ == "__main__":
    main()
