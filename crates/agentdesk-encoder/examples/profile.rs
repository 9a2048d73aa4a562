//! Embeds the queries of a `{"query"}` JSON-lines file one at a time, many rounds, for `perf`.
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let encoder =
        agentdesk_encoder::Encoder::load(&agentdesk_encoder::find_model(&[]).unwrap()).unwrap();
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
