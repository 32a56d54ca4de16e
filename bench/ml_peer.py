# Peer of bench/ml.ts: one epoch of random 32×32 patches (kd489, conc_tsm, conc_chl) through a PyTorch DataLoader
# over xarray `isel` on the Zarr cube (Debian python3-torch + python3-xarray), at the sample positions eocube kept.
# Prints JSON: samples, seconds, peak RSS (KiB), RSS after imports, chunk reads (store keys read).
import json, os, resource, sys, time

try:
    import torch
    from torch.utils.data import DataLoader, Dataset
except ImportError:
    print(json.dumps({"error": "peer not installed: apt-get install python3-torch"}))
    sys.exit(0)
import numpy as np
import xarray as xr
import zarr

cube, positions_file, batch = sys.argv[1], sys.argv[2], int(sys.argv[3])
positions = np.fromfile(positions_file, dtype="<i4").reshape(-1, 3)  # (t, y, x) of each patch origin
SIZE = 32
VARS = ["kd489", "conc_tsm", "conc_chl"]
reads = {"n": 0}


class CountingStore(zarr.storage.DirectoryStore):
    def __getitem__(self, key):
        value = super().__getitem__(key)  # a chunk that is not stored raises KeyError: not a read
        if key.split("/")[0] in VARS and not key.split("/")[-1].startswith("."):
            reads["n"] += 1
        return value


ds = xr.open_zarr(CountingStore(cube), consolidated=True, chunks=None)[VARS]
stored = sum(1 for v in VARS for f in os.listdir(os.path.join(cube, v)) if not f.startswith("."))


class Patches(Dataset):
    def __len__(self):
        return len(positions)

    def __getitem__(self, i):
        t, y, x = (int(v) for v in positions[i])
        sub = ds.isel(time=t, lat=slice(y, y + SIZE), lon=slice(x, x + SIZE))
        a = np.stack([sub[v].values for v in VARS]).astype(np.float32)
        return torch.from_numpy(np.nan_to_num(a))


base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
loader = DataLoader(Patches(), batch_size=batch, shuffle=True, num_workers=0, generator=torch.Generator().manual_seed(0))
t0 = time.perf_counter()
n = 0
for b in loader:
    n += b.shape[0]
secs = time.perf_counter() - t0
print(json.dumps({
    "samples": n, "seconds": secs, "peak_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "base_kib": base,
    "chunk_reads": reads["n"], "stored_chunks": stored, "torch": torch.__version__, "xarray": xr.__version__,
}))
