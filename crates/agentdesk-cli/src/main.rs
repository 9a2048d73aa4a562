//! The `agentdesk-cli` program of its own (development and the tests); installs run the same CLI
//! from the app's one program (`agentdesk --as agentdesk-cli`, or a link of that name).

fn main() {
    agentdesk_cli::main_with(std::env::args_os(), Vec::new())
}
