# Shared set-up for scripts/desk and scripts/test: system packages, the virtualenv, pinned Python packages.
# Idempotent: each step checks first, so a second run takes seconds.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="${SUPPORTDESK_VENV:-$ROOT/.venv}"
PYTHON="${PYTHON:-python3}"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    log "need root for: $*"; return 1; fi
}

apt_ensure() {  # apt_ensure PKG... : install the Debian packages that are missing
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "apt-get install ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
}

venv_ensure() {
  if [ ! -x "$VENV/bin/python" ]; then
    log "creating virtualenv $VENV"
    "$PYTHON" -m venv "$VENV"
  fi
  # shellcheck disable=SC1091
  . "$VENV/bin/activate"
  local stamp="$VENV/.requirements.sha256"
  local want; want="$(sha256sum requirements.txt | cut -d' ' -f1)"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    log "pip install -r requirements.txt (torch: the CPU build pinned there)"
    pip install -q --disable-pip-version-check -r requirements.txt
    echo "$want" > "$stamp"
  fi
}

translations_ensure() {
  # .po files are committed; .mo files are built here (msgfmt from Debian's gettext).
  if ls locale/*/LC_MESSAGES/*.po >/dev/null 2>&1; then
    python manage.py compilemessages -v 0 >/dev/null
  fi
}

# Thread caps: django-q2 forks one worker per core; each must not spawn a BLAS/OpenMP pool per core.
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}" OMP_THREAD_LIMIT="${OMP_THREAD_LIMIT:-1}" \
       MKL_NUM_THREADS="${MKL_NUM_THREADS:-1}" OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}" \
       TOKENIZERS_PARALLELISM=false
# Offline unless the deployment lets the classifier fetch its CLIP checkpoint (SUPPORTDESK_ALLOW_DOWNLOAD=1).
if [ "${SUPPORTDESK_ALLOW_DOWNLOAD:-0}" = 1 ]; then export HF_HUB_OFFLINE="${HF_HUB_OFFLINE:-0}"; else export HF_HUB_OFFLINE="${HF_HUB_OFFLINE:-1}"; fi
