#!/usr/bin/env bash
# Installs the Debian packages eocube's tests and benchmarks use: the Python/GDAL reference stack
# (xarray, netCDF4, zarr, dask, rasterio, GDAL, jsonschema), OWSLib (a WMTS client of the server tests), git, and
# Chromium for the viewer tests, redis-server (the BullMQ executor of gen: eocube gen --executor, eocube worker), and
# aiohttp (fsspec's HTTP file system, through which zarr reads the server's /s3 emulation: Debian has no python3-s3fs).
# Idempotent: packages already present are skipped. Needs root (CI and dev machines here run as root).
set -euo pipefail
PKGS=(git python3-xarray python3-netcdf4 python3-zarr python3-dask python3-rasterio python3-jsonschema
      python3-gdal gdal-bin python3-pil python3-matplotlib python3-owslib python3-numexpr chromium redis-server
      python3-aiohttp)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
