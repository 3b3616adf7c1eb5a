#!/bin/sh
# Fetch the web app's vendored JavaScript from the npm registry (run by hand when upgrading;
# never at install or test time). The versions match what the report's charts need:
# vega and vega-embed as vl-convert bundles them (vl_convert.get_vega_version(),
# get_vega_embed_version()), vega-lite as altair's SCHEMA_VERSION.
set -eu
VEGA=6.2.0
VEGA_LITE=6.4.1
VEGA_EMBED=7.0.2
HTMX=2.0.4
OUT="$(cd "$(dirname "$0")/.." && pwd)/src/opmodel/web/static/vendor"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
cd "$TMP"
npm pack --silent "vega@$VEGA" "vega-lite@$VEGA_LITE" "vega-embed@$VEGA_EMBED" "htmx.org@$HTMX" >/dev/null
for f in *.tgz; do mkdir "${f%.tgz}" && tar xzf "$f" -C "${f%.tgz}"; done
mkdir -p "$OUT"
cp "vega-$VEGA/package/build/vega.min.js" "$OUT/vega.min.js"
cp "vega-$VEGA/package/LICENSE" "$OUT/vega.LICENSE"
cp "vega-lite-$VEGA_LITE/package/build/vega-lite.min.js" "$OUT/vega-lite.min.js"
cp "vega-lite-$VEGA_LITE/package/LICENSE" "$OUT/vega-lite.LICENSE"
cp "vega-embed-$VEGA_EMBED/package/build/vega-embed.min.js" "$OUT/vega-embed.min.js"
cp "vega-embed-$VEGA_EMBED/package/LICENSE" "$OUT/vega-embed.LICENSE"
cp "htmx.org-$HTMX/package/dist/htmx.min.js" "$OUT/htmx.min.js"
cp "htmx.org-$HTMX/package/LICENSE" "$OUT/htmx.LICENSE"
cat > "$OUT/VERSIONS" <<V
vega $VEGA
vega-lite $VEGA_LITE
vega-embed $VEGA_EMBED
htmx.org $HTMX
V
