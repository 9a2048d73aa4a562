//! The `agentdesk-sandbox` program of its own (development, the tests, IT's test rigs); installs run
//! the same program from the app's one program (`agentdesk --as agentdesk-sandbox`).

fn main() {
    agentdesk_sandbox::program::main_with(std::env::args_os())
}
