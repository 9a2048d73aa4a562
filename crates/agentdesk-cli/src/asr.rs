//! `agentdesk-cli asr`: a voice message's audio read as text through Aliyun NLS one-sentence
//! recognition, with the app's client (the audio's format and length read from its bytes, the
//! token made with the AccessKey). The AccessKey id and secret are the first two lines on stdin.
//! Prints `{"text","duration_ms"}`; exit 0 done, 2 refused or unreachable (`{"error","code"}`), 1
//! bad input (a file that cannot be read, audio over 60 s or in a format NLS does not take).

use std::io::BufRead as _;
use std::path::PathBuf;

use agentdesk_domain::Secret;
use agentdesk_voice::{Nls, NlsSettings, VoiceError};
use clap::Args;
use serde_json::json;

#[derive(Args)]
pub struct AsrArgs {
    /// The recognition address (`https://nls-gateway-cn-shanghai.aliyuncs.com/stream/v1/asr`).
    #[arg(long)]
    base_url: String,
    /// The token address (`https://nls-meta.cn-shanghai.aliyuncs.com`).
    #[arg(long)]
    token_url: String,
    /// The NLS project's appkey.
    #[arg(long)]
    appkey: String,
    /// The region the token is made in.
    #[arg(long, default_value = "cn-shanghai")]
    region: String,
    /// The audio file (WAV, AMR, MP3, Ogg Opus or Speex; at most 60 s).
    file: PathBuf,
}

pub async fn run(args: AsrArgs) -> anyhow::Result<i32> {
    let mut lines = std::io::stdin().lock().lines();
    let mut next = || {
        lines
            .next()
            .and_then(Result::ok)
            .map(|l| l.trim().to_string())
    };
    let (Some(id), Some(secret)) = (next(), next()) else {
        return Ok(bad_input(
            "stdin: give the AccessKey id on the first line and its secret on the second",
        ));
    };
    let audio = match std::fs::read(&args.file) {
        Ok(audio) => audio,
        Err(error) => {
            return Ok(bad_input(&format!(
                "cannot read {}: {error}",
                args.file.display()
            )))
        }
    };
    let http = agentdesk_http::HttpContext::unrecorded().client(
        agentdesk_http::HttpSettings::within(std::time::Duration::from_secs(60)),
    )?;
    let nls = match Nls::new(
        http,
        NlsSettings {
            recognition_url: args.base_url,
            token_url: args.token_url,
            appkey: args.appkey,
            access_key_id: id,
            access_key_secret: Secret::new(secret),
            region: args.region,
        },
    ) {
        Ok(nls) => nls,
        Err(error) => return Ok(bad_input(&error.to_string())),
    };
    match nls.transcribe(&audio).await {
        Ok(transcript) => {
            println!(
                "{}",
                json!({"text": transcript.text, "duration_ms": transcript.duration_ms})
            );
            Ok(0)
        }
        Err(error @ (VoiceError::Audio(_) | VoiceError::Invalid(_))) => {
            let code = error.code();
            println!("{}", json!({"error": error.to_string(), "code": code}));
            Ok(1)
        }
        Err(error) => {
            println!(
                "{}",
                json!({"error": error.to_string(), "code": error.code()})
            );
            Ok(2)
        }
    }
}

fn bad_input(reason: &str) -> i32 {
    println!("{}", json!({"error": reason}));
    1
}
