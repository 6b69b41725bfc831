"""Every benchmark in one command; writes benchmarks/results.md and benchmarks/results.json.

1. capture vs Hugging Face eager (``bench_capture.bench``): time and ratio at 16, 128, 512 tokens;
2. capture bytes at several n, and how many captures the default cache holds;
3. the Explorer in AppTest: script time for a new sentence and for a head switch;
4. a fresh server: cold start to the first heatmap in chromium; then, in the browser,
   a new sentence to its heatmap and a head switch to its re-render (timed inside the page);
5. the load test (``load_test.load_test``): N sessions typing at once, memory of the server,
   with websocket clients (the server's work alone) and with browser contexts in one chromium;
6. the soak test (``soak_test.soak``): many distinct texts on every view and page, both models,
   a clear_cache storm and two pasted books; memory against its bound, failures.

    python -m benchmarks.run_all [--runs 21] [--repeats 7] [--sessions 50] [--browser-sessions 20]
                                 [--soak-visits 200] [--soak-concurrency 10] [--only load,soak]

``--only`` runs some steps and keeps the others' results from the existing results.json.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import torch  # noqa: E402

import attnviz  # noqa: E402
from benchmarks.bench_capture import ENV_SETTINGS, bench, text_of_length  # noqa: E402
from benchmarks.load_test import hf_tokens_of, load_test  # noqa: E402
from benchmarks.soak_test import soak  # noqa: E402
from tests.e2e.harness import AppServer, arm, choose, first_chart_ms, launch_browser, measured_ms, new_monitored_page, type_sentence, wait_idle  # noqa: E402

MIB = 2**20
SENTENCES = [
    "The cat sat on the warm mat all afternoon.",
    "A river of light ran through the quiet valley.",
    "Teachers explain attention with a sentence on the board.",
    "Seven small boats crossed the bay before dawn.",
    "Why does the model look at the full stop so often?",
    "Every head of every layer writes its own pattern.",
    "The robot painted the fence green and then blue.",
    "Students typed questions while the kettle boiled.",
    "She read the letter twice and smiled at the end.",
    "Rain fell on the roofs of the old town at noon.",
    "Numbers on the screen come from the model itself.",
]


def summary(values_ms: list[float]) -> dict:
    ordered = sorted(values_ms)
    return {
        "median_ms": round(statistics.median(ordered), 1),
        "min_ms": round(ordered[0], 1),
        "max_ms": round(ordered[-1], 1),
        "n": len(ordered),
    }


def capture_bytes(sizes: list[int], cache_mb: float) -> list[dict]:
    model = attnviz.load_model("minilm")
    rows = []
    for n in sizes:
        cap = model.run_with_capture(text_of_length(model, n))
        rows.append(
            {
                "n_tokens": cap.n_tokens,
                "capture_bytes": cap.nbytes,
                "pattern_bytes": 4 * math.prod(cap.pattern.shape),  # float32, were it kept: the capture derives it on access
                "captures_in_default_cache": int(cache_mb * MIB // cap.nbytes),
            }
        )
    return rows


def apptest_times(repeats: int) -> dict:
    """Script time of the Explorer in AppTest (the model already loaded; each sentence new)."""
    from tests.apptest_helpers import new_app

    at = new_app().run()
    new_sentence, head_switch = [], []
    for k in range(repeats):
        start = time.perf_counter()
        at.text_area(key="sentence").set_value(f"{SENTENCES[k % len(SENTENCES)]} (AppTest {k})").run()
        new_sentence.append((time.perf_counter() - start) * 1e3)
        start = time.perf_counter()
        at.selectbox(key="head").set_value((k + 1) % 12).run()
        head_switch.append((time.perf_counter() - start) * 1e3)
        if at.exception:
            raise RuntimeError(f"the Explorer raised: {at.exception}")
    return {"new_sentence": summary(new_sentence), "head_switch": summary(head_switch)}


def browser_times(repeats: int) -> dict:
    """A fresh server: cold start to the first heatmap, then sentence and head-switch times in chromium."""
    from playwright.sync_api import sync_playwright

    tokens_of = hf_tokens_of()
    with AppServer() as server, sync_playwright() as playwright:
        server_ready_s = time.perf_counter() - server.started_at
        browser = launch_browser(playwright)
        page = new_monitored_page(browser)
        page.goto(server.url)
        first_chart_ms(page)
        cold_s = time.perf_counter() - server.started_at
        in_page_first_ms = page.evaluate("() => window.__attnviz.firstChartAt")
        wait_idle(page)
        new_sentence, head_switch = [], []
        for k in range(repeats):
            sentence = f"{SENTENCES[k % len(SENTENCES)]} (browser {k})"
            arm(page, "tokens", tokens_of(sentence))
            type_sentence(page, sentence)
            new_sentence.append(measured_ms(page))
            wait_idle(page)
            head = (k + 1) % 12
            arm(page, "title", f"Layer 0, head {head}")
            choose(page, "Head", str(head))
            head_switch.append(measured_ms(page))
            wait_idle(page)
        browser.close()
    return {
        "cold_start": {
            "server_ready_s": round(server_ready_s, 2),
            "first_heatmap_s": round(cold_s, 2),
            "page_open_to_first_heatmap_ms": round(in_page_first_ms, 1),
        },
        "new_sentence": summary(new_sentence),
        "head_switch": summary(head_switch),
    }


def machine() -> dict:
    model = attnviz.load_model("minilm")
    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "device": str(model.device),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "env": {k: os.environ.get(k) for k in ENV_SETTINGS},
    }


def markdown(results: dict) -> str:
    m, lines = results["machine"], []
    lines += [
        "# attnviz benchmark results",
        "",
        f"Written by `python -m benchmarks.run_all` on {m['date']}: {m['platform']}, {m['cpu_count']} CPUs "
        f"({m['torch_threads']} torch threads), device `{m['device']}`, Python {m['python']}, torch {m['torch']}; "
        f"load average at start {m['load_average_at_start']}. Model: `minilm` (BERT, 6 layers × 12 heads). "
        f"Environment: {', '.join(f'{k}={v}' for k, v in m.get('env', {}).items()) or 'not recorded'}.",
        "",
    ]
    if max(m["load_average_at_start"]) > m["cpu_count"]:
        lines += [
            "**The machine was busy with other work during this run** (load average above its CPU count): every time",
            "below is an upper bound; on an idle machine they are shorter. Memory and correctness do not depend on it.",
            "",
        ]
    lines += [
        "## Capture vs Hugging Face eager",
        "",
        "`run_with_capture` against `output_attentions=True` in eager mode, both from text, interleaved, medians.",
        "",
        "| tokens | capture (ms) | HF eager (ms) | ratio | capture bytes |",
        "|---:|---:|---:|---:|---:|",
    ]
    for row in results["capture_vs_hf"]:
        lines.append(
            f"| {row['n_tokens']} | {row['capture_ms']:.2f} | {row['hf_eager_ms']:.2f} | {row['ratio']:.3f} | {row['capture_bytes'] / MIB:.1f} MiB |"
        )
    lines += [
        "",
        "## Capture size",
        "",
        f"What one cached capture holds (all layers' q, k, v, z and residuals; the pattern, derived on access, is shown for comparison); the cache keeps captures up to "
        f"`ATTNVIZ_CACHE_MB` (default {results['cache_mb']:.0f} MiB), least recently used first out.",
        "",
        "| tokens | capture | the pattern, if it were kept | captures in the default cache |",
        "|---:|---:|---:|---:|",
    ]
    for row in results["capture_bytes"]:
        lines.append(
            f"| {row['n_tokens']} | {row['capture_bytes'] / MIB:.2f} MiB | {row['pattern_bytes'] / MIB:.2f} MiB | {row['captures_in_default_cache']} |"
        )
    app, web = results["apptest"], results["browser"]
    cold = web["cold_start"]
    lines += [
        "",
        "## The Explorer: time to a rendered view",
        "",
        "AppTest: script time of one rerun. Browser: Debian's chromium, from the user's action (Ctrl+Enter, or the click",
        "on the head) to the heatmap showing the new tokens or title, timed inside the page. Medians (min–max).",
        "",
        "| what | AppTest script | in the browser |",
        "|---|---:|---:|",
        f"| new sentence → rendered Explorer | {fmt(app['new_sentence'])} | {fmt(web['new_sentence'])} |",
        f"| head switch → re-render | {fmt(app['head_switch'])} | {fmt(web['head_switch'])} |",
        "",
        f"Cold start (`streamlit run app.py` to the first heatmap on screen, model load included): "
        f"**{cold['first_heatmap_s']:.1f} s** (server answering after {cold['server_ready_s']:.1f} s; "
        f"page open to first heatmap {cold['page_open_to_first_heatmap_ms'] / 1e3:.1f} s).",
    ]
    lines += ["", f"## {results['load']['sessions']} students at once", ""]
    lines += [
        "Every session is a real Streamlit session on a fresh server. It opens the app, then all type a different",
        "sentence at the same moment; each must receive exactly its own tokens. *Websocket clients* speak Streamlit's",
        "own protocol, so only the server's work is timed (as when every student has a laptop); *browser contexts* are",
        "pages in one chromium on the server's machine, so their rendering competes with the server for its CPU cores.",
        "",
        "| clients | sessions | only own tokens | typing → heatmap p50 | p95 | max | open → first heatmap p50 | p95 | server peak RSS | per session | server CPU per session |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for key, label in (("load", "websocket clients"), ("load_browser", "browser contexts")):
        load = results[key]
        typing, first = load["typing_to_heatmap_ms"], load["open_to_first_heatmap_ms"]
        lines.append(
            f"| {label} | {load['sessions']} | {'yes' if load['own_tokens_everywhere'] else '**NO**'} | "
            f"{typing['p50']:.0f} ms | {typing['p95']:.0f} ms | {typing['max']:.0f} ms | "
            f"{first['p50'] / 1e3:.1f} s | {first['p95'] / 1e3:.1f} s | {load['peak_rss_bytes'] / MIB:.0f} MiB | "
            f"{load['rss_per_session_bytes'] / MIB:.1f} MiB | "
            + (f"{load['server_cpu_ms_per_session']:.0f} ms |" if "server_cpu_ms_per_session" in load else "– |")
        )
    load = results["load"]
    lines += [
        "",
        f"Server memory (RSS of its process tree): {load['rss_idle_bytes'] / MIB:.0f} MiB idle, "
        f"{load['rss_model_loaded_bytes'] / MIB:.0f} MiB once the model is loaded; each concurrent session adds its "
        "Streamlit session state and its cached capture (about 1 MiB for a 16-token sentence). Server CPU per session:",
        "the CPU time of the server's process tree while all sessions opened the app and typed once, divided by their number.",
        "",
    ]
    if "soak" in results:
        lines += soak_markdown(results["soak"])
    return "\n".join(lines)


def soak_markdown(soak_result: dict) -> list[str]:
    r = soak_result
    return [
        "## Soak: a long class",
        "",
        f"{r['visits']} visits, {r['concurrency']} at once, each a new session opening the Explorer's four views with both",
        "models, Step by step, Next token, Generation or RoPE & GQA, and typing its own text (every 10th about 400 words);",
        f"meanwhile one client sent `clear_cache` every second ({r['clear_cache_messages']} messages) and two visits pasted",
        f"a 17 MB book. Capture budget `ATTNVIZ_CACHE_MB={r['cache_mb']:.0f}`.",
        "",
        "| took | server CPU | failures | tracebacks in the log | reply to a pasted book | RSS with both models loaded | peak | at the end | bound | within |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        f"| {r['elapsed_s']:.0f} s | {r['server_cpu_s']:.0f} s | {len(r['failures'])} | {r['tracebacks_in_server_log']} | "
        f"{max(r['book_reply_bytes']) / MIB:.2f} MiB | {r['rss_base_bytes'] / MIB:.0f} MiB | {r['peak_rss_bytes'] / MIB:.0f} MiB | "
        f"{r['rss_end_bytes'] / MIB:.0f} MiB | {r['bound_bytes'] / MIB:.0f} MiB | {'yes' if r['within_bound'] else '**NO**'} |",
        "",
        "The bound: the server with both models loaded and idle + the capture budget + 5 MiB per concurrent session.",
        "",
    ]


def fmt(stats: dict) -> str:
    return f"{stats['median_ms']:.0f} ms ({stats['min_ms']:.0f}–{stats['max_ms']:.0f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=21, help="runs per size for capture vs HF")
    parser.add_argument("--repeats", type=int, default=7, help="sentences and head switches timed in AppTest and the browser")
    parser.add_argument("--sessions", type=int, default=50, help="concurrent websocket sessions in the load test")
    parser.add_argument("--browser-sessions", type=int, default=20, help="concurrent browser sessions in the load test")
    parser.add_argument("--soak-visits", type=int, default=200, help="visits (new sessions) in the soak test")
    parser.add_argument("--soak-concurrency", type=int, default=10, help="visits at once in the soak test")
    parser.add_argument("--only", help="comma-separated steps to run (capture_vs_hf, capture_bytes, apptest, browser, load, load_browser, soak)")
    parser.add_argument("--out", type=Path, default=HERE, help="folder for results.md and results.json")
    parser.add_argument("--report-only", action="store_true", help="rewrite results.md from an existing results.json")
    args = parser.parse_args()
    if args.report_only:
        (args.out / "results.md").write_text(markdown(json.loads((args.out / "results.json").read_text())))
        return

    only = set(args.only.split(",")) if args.only else None
    kept = json.loads((args.out / "results.json").read_text()) if only and (args.out / "results.json").exists() else {}
    results = kept | {"machine": machine(), "cache_mb": float(os.environ.get("ATTNVIZ_CACHE_MB", "1024"))}
    steps = [
        ("capture_vs_hf", lambda: bench("minilm", args.runs, [16, 128, 512])),
        ("capture_bytes", lambda: capture_bytes([8, 16, 32, 64, 128, 256, 512], results["cache_mb"])),
        ("apptest", lambda: apptest_times(args.repeats)),
        ("browser", lambda: browser_times(args.repeats)),
        ("load", lambda: load_test(args.sessions, "protocol")),
        ("load_browser", lambda: load_test(args.browser_sessions, "browser")),
        ("soak", lambda: soak(args.soak_visits, args.soak_concurrency, results["cache_mb"])),
    ]
    for name, step in steps:
        if only is not None and name not in only:
            continue
        start = time.perf_counter()
        print(f"== {name}", flush=True)
        results[name] = step()
        print(f"   done in {time.perf_counter() - start:.0f} s", flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(results, indent=2))
    (args.out / "results.md").write_text(markdown(results))
    print(markdown(results))
    soaked = results.get("soak", {})
    if not (results["load"]["own_tokens_everywhere"] and results["load_browser"]["own_tokens_everywhere"]) or soaked.get("failures") or not soaked.get("within_bound", True):
        sys.exit(1)


if __name__ == "__main__":
    main()
