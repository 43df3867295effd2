// Package translate rewrites LLM API traffic between dialects so the gateway can
// send a client's request to a provider that speaks another one: OpenAI Chat
// Completions (and Azure OpenAI, the same body shape), Anthropic Messages, Gemini
// generateContent and Ollama /api/chat. It translates requests, whole replies and
// streams (split anywhere), and strips reasoning tied to one model before a
// cross-model fallback.
//
// Reasoning that a provider needs back (Anthropic thinking signatures, Gemini
// thought signatures) rides in an OpenAI client's messages the way LiteLLM and
// Google's own OpenAI-compatible endpoint carry it: "reasoning_content" and
// "thinking_blocks" on the assistant message, "extra_content.google.thought_signature"
// on a tool call. The official SDKs keep unknown fields, so a client that echoes
// the assistant message back gives the signature back.
//
// translate does no I/O and imports only the standard library and dataset (for its
// stream decoders); never net/http, store or proxy.
package translate
