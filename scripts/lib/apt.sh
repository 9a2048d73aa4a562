# Sourced by the scripts: installs the Debian packages named that are missing, as root or through
# passwordless sudo (hosted CI runners); otherwise says which command to run and fails.

# Runs a command as root: directly, or through sudo when it needs no password. Fails otherwise.
as_root() {
  if [ "$(id -u)" = 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo "$@"
  else
    return 1
  fi
}

# apt_install WHY PACKAGE...: WHY says what needs them, for the message when they cannot be installed.
apt_install() {
  local why="$1"
  shift
  local missing=()
  for package in "$@"; do
    # Installed, not merely known (a removed package keeps its configuration and a dpkg status).
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "$why needs these Debian/Ubuntu packages, and this system has no apt-get: ${missing[*]}" >&2
    return 1
  fi
  echo "installing for $why: ${missing[*]}"
  if ! as_root apt-get update -qq ||
    ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
    echo "$why needs: sudo apt-get install ${missing[*]}" >&2
    return 1
  fi
}
