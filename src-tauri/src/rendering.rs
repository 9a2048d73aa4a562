//! How the webview draws on Linux. WebKitGTK composites through OpenGL by default; on a machine with
//! no GPU render node (a VM, a remote desktop, Xvfb) that GL is Mesa's software rasterizer, which
//! costs about 80 MiB per window and draws slower than WebKit's own non-composited path. There the
//! app turns compositing off before the webview starts; `AGENTDESK_COMPOSITING=on|off` overrides the
//! choice, and a `WEBKIT_DISABLE_COMPOSITING_MODE` the user set is left alone.

/// Values: `auto` (the default), `on`, `off`.
pub const COMPOSITING_ENV: &str = "AGENTDESK_COMPOSITING";
#[cfg(target_os = "linux")]
const WEBKIT_DISABLE_COMPOSITING: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";

/// What to do about WebKit's compositing, from the override and whether a GPU is present.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compositing {
    /// Leave WebKit's default (GPU compositing).
    Default,
    /// Turn compositing off.
    Off,
}

pub fn decide(override_value: Option<&str>, has_gpu_render_node: bool) -> Compositing {
    match override_value.map(str::trim) {
        Some("on") => Compositing::Default,
        Some("off") => Compositing::Off,
        _ if has_gpu_render_node => Compositing::Default,
        _ => Compositing::Off,
    }
}

/// Must run first thing in `main`, before any thread starts: it sets an environment variable that
/// WebKit reads when its web process is spawned.
#[cfg(target_os = "linux")]
pub fn configure() {
    if std::env::var_os(WEBKIT_DISABLE_COMPOSITING).is_some() {
        return;
    }
    let override_value = std::env::var(COMPOSITING_ENV).ok();
    let has_gpu = std::fs::read_dir("/dev/dri")
        .map(|entries| {
            entries
                .flatten()
                .any(|e| e.file_name().to_string_lossy().starts_with("renderD"))
        })
        .unwrap_or(false);
    if decide(override_value.as_deref(), has_gpu) == Compositing::Off {
        std::env::set_var(WEBKIT_DISABLE_COMPOSITING, "1");
    }
}

#[cfg(not(target_os = "linux"))]
pub fn configure() {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn software_only_machines_draw_without_compositing_unless_told_otherwise() {
        assert_eq!(decide(None, false), Compositing::Off);
        assert_eq!(decide(Some("auto"), false), Compositing::Off);
        assert_eq!(decide(Some("on"), false), Compositing::Default);
        assert_eq!(decide(None, true), Compositing::Default);
        assert_eq!(decide(Some("off"), true), Compositing::Off);
        assert_eq!(decide(Some("nonsense"), true), Compositing::Default);
    }
}
