#!/usr/bin/env bash
# Build both images with the real Dockerfiles, start the stack with Compose, and check it through nginx as
# a browser would: the page, /api/health, a real image on /api/predict, uploads just over the limit, the API
# docs, non-root containers, and `down` leaving nothing behind. Writes docs/docker-test.md and .json (image
# sizes, the API container's memory, the time from `up` to healthy).
#
#   scripts/docker-test.sh            (make docker-test)
#
# Needs a running Docker engine, curl and python3. Where the official base images cannot be pulled (no
# container registry), it first builds local stand-ins with ../shared/tools/docker-offline/ if that exists.
# WEB_PORT (default 8080) is the page's port; REPORT=0 skips writing the report.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
port="${WEB_PORT:-8080}"
export WEB_PORT="$port"
project="skinlesiontest"
base="http://127.0.0.1:$port"
work="$(mktemp -d)"
bases=(python:3.11-slim node:22-slim nginxinc/nginx-unprivileged:stable-alpine)
offline_tool="$root/../shared/tools/docker-offline/build-base-images.sh"

log() { printf 'docker-test: %s\n' "$*"; }
fail() { printf 'docker-test: FAIL: %s\n' "$*" >&2; exit 1; }

docker info >/dev/null 2>&1 || fail "no Docker engine answers (start dockerd, or run as a user in the docker group)"
if docker compose version >/dev/null 2>&1; then compose=(docker compose); else compose=(docker-compose); fi
"${compose[@]}" version >/dev/null 2>&1 || fail "neither 'docker compose' nor 'docker-compose' is installed"
compose+=(-p "$project")

stack_up=0
cleanup() {
  if [ "$stack_up" = 1 ]; then
    log "logs of the stack follow"; "${compose[@]}" logs --no-color --tail 40 || true
    "${compose[@]}" down --remove-orphans >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# ---- base images: the official ones, or local stand-ins where no registry can be reached ---------------
missing=()
for image in "${bases[@]}"; do docker image inspect "$image" >/dev/null 2>&1 || missing+=("$image"); done
if [ ${#missing[@]} -gt 0 ]; then
  for image in "${missing[@]}"; do
    if ! timeout 120 docker pull -q "$image" >/dev/null 2>&1; then
      [ -f "$offline_tool" ] || fail "cannot pull $image and $offline_tool is not there"
      log "cannot pull $image: building local stand-ins with ../shared/tools/docker-offline"
      bash "$offline_tool"
      break
    fi
  done
fi

# The official python image sets PYTHON_VERSION; the Debian-packaged stand-in does not.
if docker image inspect -f '{{json .Config.Env}}' python:3.11-slim | grep -q PYTHON_VERSION; then
  base_source="official images"
else
  base_source="local stand-ins built by ../shared/tools/docker-offline (Debian packages, not the official images)"
fi

# ---- build and start ------------------------------------------------------------------------------------
log "building both images"
started=$(date +%s.%N)
"${compose[@]}" build >"$work/build.log" 2>&1 || { cat "$work/build.log"; fail "docker-compose build"; }
built=$(date +%s.%N)

log "starting the stack on :$port"
stack_up=1
up_started=$(date +%s.%N)
"${compose[@]}" up --build -d >"$work/up.log" 2>&1 || { cat "$work/up.log"; fail "docker-compose up"; }
deadline=$(( $(date +%s) + 180 ))
until [ "$(curl -s -o /dev/null -w '%{http_code}' "$base/api/health")" = 200 ] \
      && [ "$(curl -s -o /dev/null -w '%{http_code}' "$base/")" = 200 ]; do
  [ "$(date +%s)" -lt "$deadline" ] || fail "the stack did not become healthy within 180 s"
  sleep 0.2
done
healthy=$(date +%s.%N)
log "serving through nginx $(python3 -c "print(round($healthy - $up_started, 1))") s after 'up'"
health_of() { docker inspect -f '{{.State.Health.Status}}' "$("${compose[@]}" ps -q "$1")"; }
until [ "$(health_of backend)" = healthy ] && [ "$(health_of frontend)" = healthy ]; do
  [ "$(date +%s)" -lt "$deadline" ] || fail "Compose did not report both containers healthy within 180 s"
  sleep 0.2
done
compose_healthy=$(date +%s.%N)
log "both containers healthy in Compose $(python3 -c "print(round($compose_healthy - $up_started, 1))") s after 'up'"

# ---- checks through nginx ---------------------------------------------------------------------------------
json_check() {  # json_check FILE PYTHON-EXPRESSION-ON-d MESSAGE
  python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if ($2) else 1)" "$1" || {
    cat "$1"; echo; fail "$3"; }
}

curl -sf "$base/" -o "$work/page.html" || fail "GET / (the page)"
grep -q '<div id="root">' "$work/page.html" || fail "GET / is not the page"
log "ok: the page"

curl -sf "$base/api/health" -o "$work/health.json" || fail "GET /api/health"
json_check "$work/health.json" 'd["status"] == "ok" and d["model_version"]' "/api/health is not ok"
log "ok: /api/health $(cat "$work/health.json")"

# A real JPEG, made in the API container's own Python (Pillow is there): a dark disc on skin tones.
"${compose[@]}" exec -T backend python -c '
import io, sys
from PIL import Image, ImageDraw, ImageFilter
image = Image.new("RGB", (600, 450), (214, 170, 140))
ImageDraw.Draw(image).ellipse((200, 120, 400, 330), fill=(92, 58, 40))
image = image.filter(ImageFilter.GaussianBlur(6))
buffer = io.BytesIO(); image.save(buffer, "JPEG", quality=90); sys.stdout.buffer.write(buffer.getvalue())
' >"$work/lesion.jpg"
status=$(curl -s -o "$work/predict.json" -w '%{http_code}' -F "file=@$work/lesion.jpg;type=image/jpeg" \
  "$base/api/predict")
[ "$status" = 200 ] || { cat "$work/predict.json"; fail "POST /api/predict answered $status"; }
json_check "$work/predict.json" '
set(d) >= {"predicted_class", "confidence", "all_predictions"}
and d["predicted_class"] == d["all_predictions"][0]["class_name"]
and [p["confidence"] for p in d["all_predictions"]] == sorted((p["confidence"] for p in d["all_predictions"]), reverse=True)
and abs(sum(p["confidence"] for p in d["all_predictions"]) - 1) < 1e-3' "the prediction breaks the contract"
log "ok: /api/predict $(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["predicted_class"], d["confidence"])' "$work/predict.json")"

# The limit the running API was started with (docker-compose.yml leaves MAX_UPLOAD_BYTES at its default).
limit=$("${compose[@]}" exec -T backend python -c 'from app.core.config import Settings; print(Settings().max_upload_bytes)' | tr -d '\r')
for extra in 1 1024 8192 16384 1048576; do
  head -c $((limit + extra)) /dev/zero >"$work/big.jpg"
  status=$(curl -s -o "$work/big.json" -w '%{http_code} %{content_type}' -F "file=@$work/big.jpg;type=image/jpeg" \
    "$base/api/predict")
  case "$status" in "413 application/json"*) ;; *) cat "$work/big.json"; fail "limit + $extra bytes got $status";; esac
  json_check "$work/big.json" '"Upload too large" in d["detail"]' "the 413 has no readable reason"
done
log "ok: five uploads just over the limit (+1 B to +1 MiB) each got the JSON 413"

curl -sf "$base/api/docs" | grep -q swagger-ui || fail "/api/docs"
curl -sf "$base/api/docs/assets/swagger-ui-bundle.js" -o /dev/null || fail "/api/docs assets"
curl -sf "$base/api/openapi.json" -o "$work/openapi.json" || fail "/api/openapi.json"
json_check "$work/openapi.json" 'd["servers"] == [{"url": "/api"}] and "/predict" in d["paths"]' \
  "the schema does not send Swagger UI's requests to /api"
log "ok: /api/docs, its files and a schema whose server is /api"

users=""
for service in backend frontend; do
  uid=$("${compose[@]}" exec -T "$service" id -u | tr -d '\r')
  [ -n "$uid" ] && [ "$uid" != 0 ] || fail "$service runs as root"
  users="$users $service=$uid"
done
log "ok: non-root containers:$users"

"${compose[@]}" exec -T backend python -c "
import importlib.util, os, sys
extra = [name for name in ('pip', 'setuptools', 'wheel', 'tensorflow', 'keras') if importlib.util.find_spec(name)]
sys.exit(f'the API image carries {extra}' if extra else None if os.access(os.environ['HOME'], os.W_OK)
         else 'HOME is not writable')" || fail "the API image's virtualenv or HOME"
log "ok: the API image has no pip, setuptools or TensorFlow, and a writable HOME"

api_container=$("${compose[@]}" ps -q backend)
memory=$(docker stats --no-stream --format '{{.MemUsage}}' "$api_container" | cut -d/ -f1 | tr -d ' ')
api_size=$(docker image inspect -f '{{.Size}}' skin-lesion-api:local)
web_size=$(docker image inspect -f '{{.Size}}' skin-lesion-web:local)

"${compose[@]}" down --remove-orphans >/dev/null 2>&1 || fail "docker-compose down"
stack_up=0
left=$(docker ps -aq --filter "label=com.docker.compose.project=$project")
[ -z "$left" ] || fail "containers left after down: $left"
left=$(docker network ls -q --filter "label=com.docker.compose.project=$project")
[ -z "$left" ] || fail "networks left after down: $left"
log "ok: down left no container and no network"

summary=$(python3 - "$api_size" "$web_size" "$memory" "$started" "$built" "$up_started" "$healthy" "$compose_healthy" \
  "$base_source" "${compose[*]}" <<'EOF'
import json, os, platform, sys
api, web, memory, started, built, up, healthy, compose_healthy, source, compose = sys.argv[1:]
cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "")
print(json.dumps({
    "command": "scripts/docker-test.sh",
    "machine": {"cpu": cpu, "cores": os.cpu_count(), "system": platform.system()},
    "compose": compose.replace(" -p skinlesiontest", ""),
    "base_images": source,
    "image_mb": {"skin-lesion-api": round(int(api) / 1e6, 1), "skin-lesion-web": round(int(web) / 1e6, 1)},
    "api_memory_after_one_prediction": memory,
    "build_s": round(float(built) - float(started), 1),
    "up_to_serving_s": round(float(healthy) - float(up), 1),
    "up_to_compose_healthy_s": round(float(compose_healthy) - float(up), 1),
    "checks": ["page", "/api/health", "/api/predict contract", "5 uploads just over the limit: JSON 413",
               "/api/docs with server /api", "both containers non-root",
               "API image without pip, setuptools or TensorFlow, HOME writable", "down leaves nothing running"],
}, indent=2))
EOF
)
echo "$summary"
if [ "${REPORT:-1}" != 0 ]; then
  mkdir -p docs
  echo "$summary" >docs/docker-test.json
  python3 - docs/docker-test.json >docs/docker-test.md <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
print("# Docker stack test\n")
print(f"Machine: {r['machine']['cpu']} ({r['machine']['cores']} cores). Command: `{r['command']}` "
      f"(`make docker-test`), with `{r['compose']}`; base images: {r['base_images']}.\n")
print("| figure | value |\n|---|---|")
for name, size in r["image_mb"].items():
    print(f"| image `{name}` | {size} MB |")
print(f"| API container memory after one prediction | {r['api_memory_after_one_prediction']} |")
print(f"| build both images | {r['build_s']} s |")
print(f"| `up` to page and `/api/health` answering 200 through nginx | {r['up_to_serving_s']} s |")
print(f"| `up` to both containers healthy in Compose | {r['up_to_compose_healthy_s']} s |")
print("\nChecks passed: " + "; ".join(r["checks"]) + ".")
EOF
  log "report: docs/docker-test.md"
fi
log "passed"
