//! Local, offline insight for the agent: knowledge-base suggestions for the customer's question
//! (`kb`: a tantivy index with Chinese word segmentation and English stemming, searched per question
//! and per article) and sentiment warnings (`sentiment`: a small trained model plus escalation cues, with
//! `sentiment_head` reading the sentence encoder's vector as a second opinion). Nothing here talks
//! to the network.

pub mod eval;
pub mod kb;
mod model_file;
pub mod semantic;
pub mod sentiment;
pub mod sentiment_head;
pub mod text;
pub mod tokenizer;
