#!/usr/bin/python3
"""Peer of bench/expressions.ts: the same expressions over the same chunks with numpy (and numexpr when Debian has it).

usage: expressions_peer.py CUBE.zarr
Loads conc_chl, conc_tsm, kd489, c2rcc_flags chunk by chunk (1x250x250 float64, each chunk a contiguous array),
prints {"ready": true, "numpy": version, "numexpr": version or null, "chunks": n}, then answers one JSON line per
command line {"case": "ndvi" | "ratio" | "masked", "engine": "numpy" | "numexpr"} with {"ms": wall time of one pass
over all chunks, "cpu": CPU time of the process during it} (nulls for numexpr on a case it cannot evaluate). A long-lived worker, so that
bench/expressions.ts can alternate eocube and numpy passes.
"""
import json
import sys
import time

import numpy as np
import zarr

try:
    import numexpr
except ImportError:  # not installed
    numexpr = None

cube = sys.argv[1]
g = zarr.open_group(cube, mode="r")
names = ["conc_chl", "conc_tsm", "kd489", "c2rcc_flags"]
chunks = []
t, h, w = g["conc_chl"].shape
for ti in range(t):
    for y in range(0, h, 250):
        for x in range(0, w, 250):
            chunks.append({n: np.ascontiguousarray(g[n][ti, y : y + 250, x : x + 250]) for n in names})

VALID = np.int64(-(2**31))


def ndvi_np(c):
    return (c["kd489"] - c["conc_chl"]) / (c["kd489"] + c["conc_chl"])


def ratio_np(c):
    return c["conc_chl"] / (c["conc_tsm"] + 1)


def masked_np(c):
    f = np.nan_to_num(c["c2rcc_flags"]).astype(np.int64)
    return np.where((f & VALID) != 0, c["conc_chl"] / (c["conc_tsm"] + 1), np.nan)


cases = {
    "ndvi": (ndvi_np, "(kd489 - conc_chl) / (kd489 + conc_chl)"),
    "ratio": (ratio_np, "conc_chl / (conc_tsm + 1)"),
    "masked": (masked_np, None),
}
print(
    json.dumps(
        {"ready": True, "numpy": np.__version__, "numexpr": numexpr.__version__ if numexpr else None, "chunks": len(chunks)}
    ),
    flush=True,
)
for line in sys.stdin:
    cmd = json.loads(line)
    fn, ne = cases[cmd["case"]]
    ms = cpu = None
    if cmd["engine"] == "numpy" or (numexpr is not None and ne is not None):
        c0, t0 = time.process_time(), time.perf_counter()
        if cmd["engine"] == "numpy":
            for c in chunks:
                fn(c)
        else:
            for c in chunks:
                numexpr.evaluate(ne, local_dict=c)
        ms, cpu = (time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000
    print(json.dumps({"ms": ms, "cpu": cpu}), flush=True)
