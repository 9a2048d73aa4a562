//! Images and voice messages a message refers to, fetched through the app (never the webview): only
//! from the platform's own origin (every redirect hop checked again), only the image types the
//! window shows, and never more than 10 MB read (the body is streamed against the cap); an image is
//! returned as a `data:` URL the webview may show under its CSP, a voice message as its bytes (for
//! the speech service, or as a `data:` URL to play). Each hop is a call in the ledger.

use std::time::Duration;

use agentdesk_domain::limits::{IMAGE_TYPES, MAX_SHOWN_IMAGE_BYTES};
use agentdesk_http::{HttpClient, HttpContext, HttpSettings};
use base64::Engine as _;
use url::Url;

use crate::{ApiError, ErrorCode, ErrorReason};

/// A voice message of a minute is about 1 MB as 8 kHz WAV; ten leave room for other formats.
const MAX_VOICE_BYTES: usize = 10 * 1024 * 1024;

/// Redirects followed (each to the platform's own origin) before giving up.
const MAX_HOPS: usize = 5;

pub struct PlatformImages {
    http: HttpClient,
}

impl PlatformImages {
    pub fn new(context: &HttpContext) -> Result<PlatformImages, ApiError> {
        // Redirects are followed below, one hop at a time, each checked.
        let http = context
            .client(HttpSettings::within(Duration::from_secs(10)).without_redirects())
            .map_err(|e| {
                ApiError::new(
                    ErrorCode::NotReady,
                    format!("cannot set up image loading: {e}"),
                )
            })?;
        Ok(PlatformImages { http })
    }

    /// `address` (absolute, or relative to `platform`) as a `data:` URL.
    pub async fn fetch_as_data_url(
        &self,
        platform: &Url,
        address: &str,
    ) -> Result<String, ApiError> {
        let target = platform
            .join(address)
            .map_err(|e| ApiError::new(ErrorCode::InvalidInput, format!("not an address: {e}")))?;
        let response = self.get_on_platform(platform, target).await?;
        let (mime, bytes) = read_shown_image(response).await?;
        Ok(format!(
            "data:{mime};base64,{}",
            base64::engine::general_purpose::STANDARD.encode(&bytes)
        ))
    }

    /// The bytes of the voice message at `address` (absolute, or relative to `platform`), at most
    /// `MAX_VOICE_BYTES`: the platform states no type (business-actions.md §3.3), so the caller
    /// reads the format from the bytes.
    pub async fn fetch_voice(&self, platform: &Url, address: &str) -> Result<Vec<u8>, ApiError> {
        let target = platform
            .join(address)
            .map_err(|e| ApiError::new(ErrorCode::InvalidInput, format!("not an address: {e}")))?;
        let mut response = self.get_on_platform(platform, target).await?;
        if !response.status().is_success() {
            return Err(ApiError::new(
                ErrorCode::Offline,
                format!(
                    "the platform answered HTTP {} for this voice message",
                    response.status()
                ),
            ));
        }
        let too_large = || {
            ApiError::new(
                ErrorCode::InvalidInput,
                format!(
                    "the voice message is larger than {} MB",
                    MAX_VOICE_BYTES / 1024 / 1024
                ),
            )
        };
        if response
            .content_length()
            .is_some_and(|length| length > MAX_VOICE_BYTES as u64)
        {
            return Err(too_large());
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(unreachable)? {
            if bytes.len() + chunk.len() > MAX_VOICE_BYTES {
                return Err(too_large());
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(bytes)
    }

    /// GETs `target`, following at most `MAX_HOPS` redirects and none that leaves the platform's
    /// origin (a customer's link must not make the workbench call anywhere else).
    async fn get_on_platform(
        &self,
        platform: &Url,
        mut target: Url,
    ) -> Result<reqwest::Response, ApiError> {
        let mut hops = 0;
        loop {
            if target.origin() != platform.origin() {
                return Err(ApiError::because(
                    ErrorCode::InvalidInput, ErrorReason::ImageOutsidePlatform,
                    "this image is hosted outside the platform; open it only if you trust the sender",
                ));
            }
            let request = self.http.reqwest().get(target.clone());
            let response = self
                .http
                .observed("platform:image", async {
                    request.send().await.map_err(unreachable)
                })
                .await?;
            if !response.status().is_redirection() {
                return Ok(response);
            }
            hops += 1;
            let location = response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|v| v.to_str().ok());
            target = match (location, hops <= MAX_HOPS) {
                (Some(location), true) => target.join(location).map_err(|e| {
                    ApiError::because(
                        ErrorCode::Offline,
                        ErrorReason::ImageUnreachable,
                        format!("the image moved to a bad address: {e}"),
                    )
                })?,
                _ => {
                    return Err(ApiError::because(
                        ErrorCode::Offline,
                        ErrorReason::ImageUnreachable,
                        "the platform kept redirecting this image; try again later",
                    ))
                }
            };
        }
    }
}

/// The image's type and bytes, if the answer is one the workbench shows: a success, of a shown
/// type, no larger than `MAX_SHOWN_IMAGE_BYTES` (checked as it streams, whatever the length header says).
async fn read_shown_image(mut response: reqwest::Response) -> Result<(String, Vec<u8>), ApiError> {
    if !response.status().is_success() {
        return Err(ApiError::because(
            ErrorCode::Offline,
            ErrorReason::ImageUnreachable,
            format!(
                "the platform answered HTTP {} for this image",
                response.status()
            ),
        ));
    }
    let mime = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    if !IMAGE_TYPES.contains(&mime.as_str()) {
        return Err(ApiError::because(
            ErrorCode::InvalidInput,
            ErrorReason::ImageNotShown { mime: mime.clone() },
            format!("not an image the workbench shows ({mime})"),
        ));
    }
    let too_large = || {
        let max_mb = (MAX_SHOWN_IMAGE_BYTES / 1024 / 1024) as u32;
        ApiError::because(
            ErrorCode::InvalidInput,
            ErrorReason::ImageTooLarge { max_mb },
            format!("the image is larger than {max_mb} MB"),
        )
    };
    if response
        .content_length()
        .is_some_and(|length| length > MAX_SHOWN_IMAGE_BYTES as u64)
    {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(unreachable)? {
        if bytes.len() + chunk.len() > MAX_SHOWN_IMAGE_BYTES {
            return Err(too_large());
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok((mime, bytes))
}

fn unreachable(error: reqwest::Error) -> ApiError {
    ApiError::because(
        ErrorCode::Offline,
        ErrorReason::ImageUnreachable,
        format!("could not load the image: {error}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    /// A loopback HTTP server that answers every request with `head` and then `body` (repeated
    /// `repeat` times: a body larger than any cap, without holding it in memory), and then keeps the
    /// connection open a while (a body without a length never ends: only a cap stops reading it).
    async fn server(head: String, body: &'static [u8], repeat: usize) -> Url {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let head = head.clone();
                tokio::spawn(async move {
                    let mut request = [0u8; 4096];
                    let _ = socket.read(&mut request).await;
                    if socket.write_all(head.as_bytes()).await.is_err() {
                        return;
                    }
                    for _ in 0..repeat {
                        if socket.write_all(body).await.is_err() {
                            return;
                        }
                    }
                    if !head.contains("Content-Length") {
                        tokio::time::sleep(Duration::from_secs(30)).await;
                    }
                });
            }
        });
        Url::parse(&format!("http://{address}/")).unwrap()
    }

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\nnot-really-a-png";

    fn image_head(length: Option<usize>) -> String {
        let length = length
            .map(|l| format!("Content-Length: {l}\r\n"))
            .unwrap_or_default();
        format!("HTTP/1.1 200 OK\r\nContent-Type: image/png\r\n{length}Connection: close\r\n\r\n")
    }

    /// What fetching `address` from `platform` is refused with.
    async fn refusal(platform: &Url, address: &str) -> ApiError {
        PlatformImages::new(&HttpContext::unrecorded())
            .unwrap()
            .fetch_as_data_url(platform, address)
            .await
            .expect_err("the image is refused")
    }

    #[tokio::test]
    async fn an_image_of_the_platform_is_loaded() {
        let platform = server(image_head(Some(PNG.len())), PNG, 1).await;
        let images = PlatformImages::new(&HttpContext::unrecorded()).unwrap();
        let url = images
            .fetch_as_data_url(&platform, "/files/a.png")
            .await
            .unwrap();
        assert_eq!(
            url,
            format!(
                "data:image/png;base64,{}",
                base64::engine::general_purpose::STANDARD.encode(PNG)
            )
        );
    }

    #[tokio::test]
    async fn a_redirect_away_from_the_platform_is_not_followed() {
        let elsewhere = server(image_head(Some(PNG.len())), PNG, 1).await;
        let platform = server(
            format!(
                "HTTP/1.1 302 Found\r\nLocation: {elsewhere}tracker.png\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            ),
            b"",
            0,
        )
        .await;
        let error = refusal(&platform, "/files/a.png").await;
        assert_eq!(error.code, ErrorCode::InvalidInput);
        assert!(error.message.contains("outside the platform"), "{error:?}");
    }

    #[tokio::test]
    async fn an_endless_image_is_cut_at_the_cap_not_read_whole() {
        // No length announced, more than the cap on the wire (64 KiB x 200 = 12.5 MB), and no end:
        // reading the whole body first would wait for the timeout.
        static CHUNK: [u8; 64 * 1024] = [7u8; 64 * 1024];
        let platform = server(image_head(None), &CHUNK, 200).await;
        let error = refusal(&platform, "/files/huge.png").await;
        assert!(error.message.contains("larger than 10 MB"), "{error:?}");
    }

    #[tokio::test]
    async fn an_announced_oversized_image_is_refused_before_reading() {
        let platform = server(image_head(Some(MAX_SHOWN_IMAGE_BYTES + 1)), PNG, 1).await;
        let error = refusal(&platform, "/files/huge.png").await;
        assert!(error.message.contains("larger than 10 MB"), "{error:?}");
    }

    #[tokio::test]
    async fn an_address_on_another_host_is_refused() {
        let platform = Url::parse("http://127.0.0.1:9/").unwrap();
        let error = refusal(&platform, "https://example.com/a.png").await;
        assert!(error.message.contains("outside the platform"), "{error:?}");
    }
}
