package dataset

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// geminiResponse is a GenerateContentResponse: a whole answer, or one chunk of a stream.
type geminiResponse struct {
	Candidates     []geminiCandidate `json:"candidates"`
	PromptFeedback *struct {
		BlockReason        string `json:"blockReason"`
		BlockReasonMessage string `json:"blockReasonMessage"`
	} `json:"promptFeedback"`
	UsageMetadata *geminiUsage    `json:"usageMetadata"`
	ModelVersion  string          `json:"modelVersion"`
	Error         json.RawMessage `json:"error"`
}

type geminiCandidate struct {
	Index        *int           `json:"index"` // proto3 JSON leaves out index 0
	Content      *geminiContent `json:"content"`
	FinishReason string         `json:"finishReason"`
}

type geminiUsage struct {
	PromptTokenCount        int `json:"promptTokenCount"` // cached tokens included
	CandidatesTokenCount    int `json:"candidatesTokenCount"`
	ThoughtsTokenCount      int `json:"thoughtsTokenCount"`
	TotalTokenCount         int `json:"totalTokenCount"`
	CachedContentTokenCount int `json:"cachedContentTokenCount"`
}

func (u *geminiUsage) usage() Usage {
	// Thought tokens are output the model produced, as OpenAI counts reasoning tokens
	// in completion_tokens.
	completion := u.CandidatesTokenCount + u.ThoughtsTokenCount
	total := u.TotalTokenCount
	if total == 0 {
		total = u.PromptTokenCount + completion
	}
	return Usage{PromptTokens: u.PromptTokenCount, CompletionTokens: completion, TotalTokens: total,
		CachedTokens: u.CachedContentTokenCount}
}

// geminiStatus is a google.rpc.Status, the error body of Google APIs.
type geminiStatus struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Status  string `json:"status"`
}

// geminiUpstreamError describes an "error" value as an error wrapping ErrUpstream.
func geminiUpstreamError(raw json.RawMessage) error {
	var e geminiStatus
	if json.Unmarshal(raw, &e) != nil || e.Message == "" && e.Status == "" {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			e.Message = s
		} else {
			e.Message = strings.TrimSpace(string(raw))
		}
	}
	detail := e.Message
	if e.Status != "" {
		detail += " (status " + e.Status + ")"
	}
	if e.Code != 0 {
		detail += fmt.Sprintf(" (code %d)", e.Code)
	}
	return fmt.Errorf("gemini response: %w: %s", ErrUpstream, detail)
}

// blocked returns an error wrapping ErrUpstream when the prompt was blocked, and nil
// when it was not.
func (resp *geminiResponse) blocked() error {
	if resp.PromptFeedback == nil || resp.PromptFeedback.BlockReason == "" {
		return nil
	}
	detail := "prompt blocked: " + resp.PromptFeedback.BlockReason
	if m := resp.PromptFeedback.BlockReasonMessage; m != "" {
		detail += " (" + m + ")"
	}
	return fmt.Errorf("gemini response: %w: %s", ErrUpstream, detail)
}

// parseGeminiResponse fills the answers of r from a response object, an event
// stream or a streamed JSON array.
func parseGeminiResponse(r *Round, body []byte) error {
	shape, body := classifyResponse(r, body)
	switch {
	case shape == shapeEmpty:
		return nil
	case shape == shapeObject:
		return parseGeminiObject(r, body)
	case body[0] == '[':
		chunks, lost := geminiArrayChunks(body)
		return mergeGeminiChunks(r, chunks, lost)
	}
	m := newGeminiMerge(r)
	var failed error
	n := eachSSE(body, func(_, data []byte) bool {
		if data = bytes.TrimSpace(data); len(data) > 0 {
			failed = m.add(data)
		}
		return failed == nil
	})
	if n == 0 {
		return fmt.Errorf("decode gemini response %.20q: neither JSON nor an event stream: %w", body, ErrMalformed)
	}
	if failed != nil {
		return failed
	}
	m.finish()
	return nil
}

func parseGeminiObject(r *Round, body []byte) error {
	var resp geminiResponse
	if err := json.Unmarshal(body, &resp); err != nil {
		if objectCut(r, body) {
			return nil
		}
		return fmt.Errorf("decode gemini response: %w: %w", ErrMalformed, err)
	}
	if hasError(resp.Error) {
		return geminiUpstreamError(resp.Error)
	}
	if len(resp.Candidates) == 0 {
		if err := resp.blocked(); err != nil {
			return err
		}
		return fmt.Errorf("decode gemini response: no candidates: %w", ErrMalformed)
	}
	geminiModel(r, resp.ModelVersion)
	cands := slices.Clone(resp.Candidates)
	for i := range cands {
		if cands[i].Index == nil {
			cands[i].Index = &i
		}
	}
	slices.SortStableFunc(cands, func(a, b geminiCandidate) int { return *a.Index - *b.Index })
	for i, c := range cands {
		var parts []geminiPart
		if c.Content != nil {
			parts = c.Content.Parts
		}
		r.Answers = append(r.Answers, geminiMessage(RoleAssistant, parts))
		if i == 0 {
			r.FinishReason = c.FinishReason
		}
	}
	if resp.UsageMetadata != nil {
		r.Usage = resp.UsageMetadata.usage()
	}
	return nil
}

// geminiModel sets the model of r from a modelVersion unless the request named one.
// Some versions of the API prefix it with "models/".
func geminiModel(r *Round, version string) {
	if r.Model == "" {
		r.Model = strings.TrimPrefix(version, "models/")
	}
}

// geminiArrayChunks splits a streamed JSON array ("[{…}\r\n,{…}]") into its elements.
// lost is set when an element was cut or broken. A missing closing bracket alone is
// not a loss: mergeGeminiChunks still wants a finishReason before it calls the
// stream complete.
func geminiArrayChunks(body []byte) (chunks [][]byte, lost bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	if _, err := dec.Token(); err != nil { // the opening '['
		return nil, true
	}
	for dec.More() {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return chunks, true // a syntax error or the end of the body: nothing more to read
		}
		chunks = append(chunks, raw)
	}
	return chunks, false
}

// geminiStreamCandidate gathers the parts of one candidate across chunks.
type geminiStreamCandidate struct {
	index  int
	parts  []geminiPart
	finish string
}

// mergeGeminiChunks fills r from the chunks of a stream; lost tells that some
// were lost already.
func mergeGeminiChunks(r *Round, chunks [][]byte, lost bool) error {
	m := newGeminiMerge(r)
	m.lost = lost
	for _, data := range chunks {
		if err := m.add(data); err != nil {
			return err
		}
	}
	m.finish()
	return nil
}

// geminiMerge fills a Round from the chunks of a stream as they come. Parts are
// appended per candidate index; geminiMessage then concatenates their text. The
// stream is complete when every candidate got a finishReason and no chunk was lost.
type geminiMerge struct {
	r       *Round
	cands   []*geminiStreamCandidate
	byIndex map[int]*geminiStreamCandidate
	lost    bool
}

func newGeminiMerge(r *Round) *geminiMerge {
	return &geminiMerge{r: r, byIndex: map[int]*geminiStreamCandidate{}}
}

// add merges one chunk; it returns an error wrapping ErrUpstream when the chunk
// is an API error or a blocked prompt, after which the stream is not read further.
func (m *geminiMerge) add(data []byte) error {
	var chunk geminiResponse
	if !decodeGeminiChunk(data, &chunk) {
		m.lost = true
		return nil
	}
	if hasError(chunk.Error) {
		return geminiUpstreamError(chunk.Error)
	}
	if err := chunk.blocked(); err != nil && len(chunk.Candidates) == 0 {
		return err
	}
	r := m.r
	geminiModel(r, chunk.ModelVersion)
	if chunk.UsageMetadata != nil {
		r.Usage = chunk.UsageMetadata.usage()
	}
	for _, c := range chunk.Candidates {
		index := 0
		if c.Index != nil {
			index = *c.Index
		}
		sc := m.byIndex[index]
		if sc == nil {
			sc = &geminiStreamCandidate{index: index}
			m.byIndex[index] = sc
			m.cands = append(m.cands, sc)
		}
		if c.Content != nil {
			sc.parts = append(sc.parts, c.Content.Parts...)
		}
		if c.FinishReason != "" {
			sc.finish = c.FinishReason
		}
	}
	return nil
}

// finish sets the answers of the round, one per candidate.
func (m *geminiMerge) finish() {
	r := m.r
	slices.SortFunc(m.cands, func(a, b *geminiStreamCandidate) int { return a.index - b.index })
	finished := len(m.cands) > 0
	for i, sc := range m.cands {
		r.Answers = append(r.Answers, geminiMessage(RoleAssistant, sc.parts))
		if i == 0 {
			r.FinishReason = sc.finish
		}
		finished = finished && sc.finish != ""
	}
	r.Incomplete = m.lost || !finished
}
