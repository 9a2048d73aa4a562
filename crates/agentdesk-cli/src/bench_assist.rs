//! `agentdesk-cli bench-assist`: the reply assistant's prompt with 20 knowledge articles and a
//! 200-message conversation full of personal data: its size, the time to build it (placeholders
//! included), and the time to put the personal data back into a streamed answer piece by piece.
//! Prints one JSON line; BENCHMARKS.md records the figures. (The window's figures, first token to
//! screen and cancel to quiet, come from `scripts/bench-ui.sh`.)

use std::time::Instant;

use agentdesk_llm::{
    AssistRequest, CustomerFacts, Direction, Language, Line, OrderFact, Source, StreamingRestorer,
    Task,
};
use clap::Args;
use serde_json::json;

#[derive(Args)]
pub struct BenchAssistArgs {
    /// Prompts built (and answers restored) for the percentiles.
    #[arg(long, default_value_t = 2_000)]
    rounds: usize,
}

fn percentile(samples: &mut [f64], p: f64) -> f64 {
    samples.sort_by(f64::total_cmp);
    let index = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples.get(index).copied().unwrap_or(0.0)
}

/// 20 articles of the length of a real FAQ answer (about 300 characters).
fn articles() -> Vec<Source> {
    (0..20)
        .map(|n| Source {
            id: format!("kb-{n}"),
            title: format!("退款到账时间说明 {n}"),
            answer: format!(
                "第{n}条：退款审核通过后，原路退回。余额即时到账，银行卡 1-5 个工作日，信用卡以发卡行为准。\
                 如超过 7 个工作日仍未到账，请提供订单号与支付截图，客服将为您联系财务核实。\
                 Refunds go back the way you paid: balance at once, bank cards in 1-5 working days, \
                 credit cards as the issuing bank books them. {}",
                "温馨提示：节假日顺延。".repeat(6)
            ),
        })
        .collect()
}

/// 200 messages, every fifth with a phone, e-mail, ID, card, order or waybill number.
fn conversation() -> Vec<Line> {
    (0..200)
        .map(|n| {
            let personal = match n % 25 {
                0 => " 我的手机 13700001111".to_string(),
                5 => " 邮箱 lilei@example.com".to_string(),
                10 => " 身份证 110101199003074518".to_string(),
                15 => " 卡号 6222020200112233445".to_string(),
                20 => format!(" 订单 LM2481179{n:02}，运单 SF15450880517{n:02}"),
                _ => String::new(),
            };
            Line {
                direction: if n % 2 == 0 {
                    Direction::In
                } else {
                    Direction::Out
                },
                text: format!(
                    "第 {n} 条消息：耳机退款什么时候到账，麻烦帮我查一下进度。{personal}"
                ),
            }
        })
        .collect()
}

pub fn run(args: BenchAssistArgs) -> anyhow::Result<i32> {
    let sources = articles();
    let lines = conversation();
    let customer = CustomerFacts {
        name: Some("李雷".into()),
        phone: Some("13700001111".into()),
        email: Some("lilei@example.com".into()),
        address: Some("上海市浦东新区世纪大道 100 号".into()),
        orders: vec![OrderFact {
            id: "LM248117997".into(),
            status: Some("已发货 Shipped".into()),
            waybill: Some("SF1545088051744".into()),
            last_scan: Some("2026-12-01 09:00 广东深圳 快件已到达 深圳转运中心".into()),
        }],
    };
    let request = AssistRequest {
        task: Task::Draft,
        conversation: &lines,
        customer: Some(&customer),
        sources: &sources,
        subject: None,
        agent_language: Language::Chinese,
    };
    let rounds = args.rounds.max(10);
    let mut build_us = Vec::with_capacity(rounds);
    let mut prompt = agentdesk_llm::build(&request);
    for _ in 0..rounds {
        let started = Instant::now();
        prompt = agentdesk_llm::build(&request);
        build_us.push(started.elapsed().as_secs_f64() * 1e6);
    }
    let sent: String = prompt.messages.iter().map(|m| m.content.as_str()).collect();
    for personal in [
        "13700001111",
        "lilei@example.com",
        "110101199003074518",
        "6222020200112233445",
        "李雷",
    ] {
        anyhow::ensure!(!sent.contains(personal), "{personal} is in the prompt");
    }
    let kept_messages = lines
        .iter()
        .filter(|l| sent.contains(&l.text[..l.text.find('：').unwrap_or(0)]))
        .count();

    let mut restore_us = restore_times(&request, &prompt, rounds)?;
    println!(
        "{}",
        json!({
            "bench": "assistant_prompt",
            "articles_given": sources.len(), "articles_in_prompt": prompt.sources.len(),
            "messages_given": lines.len(), "messages_in_prompt": kept_messages,
            "prompt_chars": prompt.chars(), "prompt_tokens_estimated": prompt.estimated_tokens(),
            "placeholders": prompt.redactor.originals().count(),
            "build_us_p50": percentile(&mut build_us, 0.5), "build_us_p99": percentile(&mut build_us, 0.99),
            "restore_us_per_piece_p50": percentile(&mut restore_us, 0.5),
            "restore_us_per_piece_p99": percentile(&mut restore_us, 0.99),
            "rounds": rounds,
        })
    );
    Ok(0)
}

/// Microseconds per piece to restore a streamed answer, one figure per round: three characters a
/// piece as a provider streams it, placeholders split across pieces, restored as the draft area
/// receives it.
fn restore_times(
    request: &AssistRequest<'_>,
    prompt: &agentdesk_llm::Prompt,
    rounds: usize,
) -> anyhow::Result<Vec<f64>> {
    let phone_placeholder = agentdesk_llm::build(request).redactor.redact("13700001111");
    anyhow::ensure!(
        phone_placeholder != "13700001111",
        "the phone was not replaced"
    );
    let answer = format!(
        "您好，李雷！您留的手机 {phone_placeholder} 已登记，退款审核通过后原路退回，银行卡 1-5 个工作日到账 [1]。如有疑问请联系我们。"
    )
    .repeat(4);
    let pieces: Vec<String> = answer
        .chars()
        .collect::<Vec<_>>()
        .chunks(3)
        .map(|c| c.iter().collect())
        .collect();
    let mut restore_us = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let mut restorer = StreamingRestorer::new(&prompt.redactor, prompt.sources.len());
        let started = Instant::now();
        let mut shown = String::new();
        for piece in &pieces {
            shown.push_str(&restorer.push(piece));
        }
        shown.push_str(&restorer.finish());
        anyhow::ensure!(
            shown.contains("13700001111"),
            "the phone was not put back: {shown}"
        );
        restore_us.push(started.elapsed().as_secs_f64() * 1e6 / pieces.len() as f64);
        std::hint::black_box(&shown);
    }
    Ok(restore_us)
}
