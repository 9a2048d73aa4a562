//! Loads the shipped model (printing how long that took) and embeds the queries of a `{"query"}`
//! JSON-lines file one at a time, printing latency quantiles and token counts: the figures in
//! BENCHMARKS.md, and a loop to run under `perf`.
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let started = std::time::Instant::now();
    let encoder = agentdesk_encoder::Encoder::load(
        &agentdesk_encoder::find_model(&[]).expect("no model: run scripts/fetch-model.sh"),
    )
    .unwrap();
    let resident = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS"))
                .map(str::to_string)
        })
        .unwrap_or_default();
    println!(
        "load {:.0} ms ({} bytes); after loading {resident}",
        started.elapsed().as_secs_f64() * 1000.0,
        encoder.file_bytes()
    );
    let text = std::fs::read_to_string(&args[1]).unwrap();
    let queries: Vec<String> = text
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .map(|v| v["query"].as_str().unwrap_or("").to_string())
        .collect();
    let mut times = Vec::new();
    let mut tokens = Vec::new();
    for q in queries.iter().take(400) {
        let t = std::time::Instant::now();
        encoder.embed(&[q]);
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        tokens.push(encoder.tokenizer().tokens(q).len() + 5);
    }
    times.sort_by(f64::total_cmp);
    tokens.sort();
    println!(
        "p50 {:.1} p99 {:.1} ms; tokens p50 {} p99 {}",
        times[times.len() / 2],
        times[times.len() * 99 / 100],
        tokens[tokens.len() / 2],
        tokens[tokens.len() * 99 / 100]
    );
}
