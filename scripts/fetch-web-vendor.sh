#!/bin/sh
# Fetch the web app's vendored JavaScript (and Swagger UI for /docs) from the npm registry
# (run by hand when upgrading; never at install or test time). The versions match what the report's charts need:
# vega and vega-embed as vl-convert bundles them (vl_convert.get_vega_version(),
# get_vega_embed_version()), vega-lite as altair's SCHEMA_VERSION.
set -eu
VEGA=6.2.0
VEGA_LITE=6.4.1
VEGA_EMBED=7.0.2
HTMX=2.0.4
SWAGGER_UI=5.36.0  # /docs (the REST API's OpenAPI browser)
OUT="$(cd "$(dirname "$0")/.." && pwd)/src/opmodel/web/static/vendor"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
cd "$TMP"
npm pack --silent "vega@$VEGA" "vega-lite@$VEGA_LITE" "vega-embed@$VEGA_EMBED" "htmx.org@$HTMX" \
  "swagger-ui-dist@$SWAGGER_UI" >/dev/null
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
SW="swagger-ui-dist-$SWAGGER_UI/package"
# the source-map comments dropped: the maps are not vendored
sed '/^\/\/# sourceMappingURL=/d' "$SW/swagger-ui-bundle.js" > "$OUT/swagger-ui-bundle.js"
sed 's#/\*\# sourceMappingURL=swagger-ui.css.map\*/##' "$SW/swagger-ui.css" > "$OUT/swagger-ui.css"
cp "$SW/swagger-ui-bundle.js.LICENSE.txt" "$OUT/swagger-ui-bundle.js.LICENSE.txt"
cp "$SW/LICENSE" "$OUT/swagger-ui.LICENSE"
cp "$SW/NOTICE" "$OUT/swagger-ui.NOTICE"
cp "$SW/favicon-32x32.png" "$OUT/swagger-ui-favicon.png"
cat > "$OUT/VERSIONS" <<V
vega $VEGA
vega-lite $VEGA_LITE
vega-embed $VEGA_EMBED
htmx.org $HTMX
swagger-ui-dist $SWAGGER_UI
V
