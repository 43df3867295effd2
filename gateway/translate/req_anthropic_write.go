package translate

import (
	"encoding/json"
	"math"
	"strconv"
)

// The Anthropic request a translation builds is written by hand, byte for byte
// what json.Marshal writes for it (FuzzOpenAIRequestReader compares the two):
// reflection over a long history's blocks was the larger part of what was left
// of a translated request's cost once it was read by hand.

// appendAnthropicRequest appends r as json.Marshal encodes it.
func appendAnthropicRequest(b []byte, r *anOutRequest) []byte {
	b = append(b, `{"model":`...)
	b = appendJSONString(b, r.Model)
	b = append(b, `,"max_tokens":`...)
	b = strconv.AppendInt(b, int64(r.MaxTokens), 10)
	if len(r.System) > 0 {
		b = append(b, `,"system":`...)
		b = appendCompactJSON(b, r.System)
	}
	if r.Temperature != nil {
		b = append(b, `,"temperature":`...)
		b = appendJSONFloat(b, *r.Temperature)
	}
	if r.TopP != nil {
		b = append(b, `,"top_p":`...)
		b = appendJSONFloat(b, *r.TopP)
	}
	if r.TopK != nil {
		b = append(b, `,"top_k":`...)
		b = strconv.AppendInt(b, int64(*r.TopK), 10)
	}
	if len(r.StopSequences) > 0 {
		b = append(b, `,"stop_sequences":[`...)
		for i, s := range r.StopSequences {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, s)
		}
		b = append(b, ']')
	}
	if r.Stream {
		b = append(b, `,"stream":true`...)
	}
	if len(r.Tools) > 0 {
		b = append(b, `,"tools":[`...)
		for i, t := range r.Tools {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendAnthropicTool(b, &t)
		}
		b = append(b, ']')
	}
	if c := r.ToolChoice; c != nil {
		b = append(b, `,"tool_choice":{"type":`...)
		b = appendJSONString(b, c.Type)
		if c.Name != "" {
			b = append(b, `,"name":`...)
			b = appendJSONString(b, c.Name)
		}
		if c.DisableParallelToolUse {
			b = append(b, `,"disable_parallel_tool_use":true`...)
		}
		b = append(b, '}')
	}
	if t := r.Thinking; t != nil {
		b = append(b, `,"thinking":{"type":`...)
		b = appendJSONString(b, t.Type)
		if t.BudgetTokens != 0 {
			b = append(b, `,"budget_tokens":`...)
			b = strconv.AppendInt(b, int64(t.BudgetTokens), 10)
		}
		b = append(b, '}')
	}
	if len(r.Metadata) > 0 {
		b = append(b, `,"metadata":`...)
		b = appendCompactJSON(b, r.Metadata)
	}
	b = append(b, `,"messages":`...)
	if r.Messages == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range r.Messages {
			if i > 0 {
				b = append(b, ',')
			}
			m := &r.Messages[i]
			b = append(b, `{"role":`...)
			b = appendJSONString(b, m.Role)
			b = append(b, `,"content":`...)
			b = appendAnthropicBlocks(b, m.Content)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

func appendAnthropicTool(b []byte, t *anTool) []byte {
	b = append(b, '{')
	if t.Type != "" {
		b = append(b, `"type":`...)
		b = appendJSONString(b, t.Type)
		b = append(b, ',')
	}
	b = append(b, `"name":`...)
	b = appendJSONString(b, t.Name)
	if t.Description != "" {
		b = append(b, `,"description":`...)
		b = appendJSONString(b, t.Description)
	}
	if len(t.InputSchema) > 0 {
		b = append(b, `,"input_schema":`...)
		b = appendCompactJSON(b, t.InputSchema)
	}
	return append(b, '}')
}

// appendAnthropicBlocks appends blocks as json.Marshal encodes a []anBlock.
func appendAnthropicBlocks(b []byte, blocks []anBlock) []byte {
	if blocks == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i := range blocks {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendAnthropicBlock(b, &blocks[i])
	}
	return append(b, ']')
}

func appendAnthropicBlock(b []byte, k *anBlock) []byte {
	b = append(b, `{"type":`...)
	b = appendJSONString(b, k.Type)
	str := func(name, v string) {
		if v != "" {
			b = append(b, name...)
			b = appendJSONString(b, v)
		}
	}
	raw := func(name string, v json.RawMessage) {
		if len(v) > 0 {
			b = append(b, name...)
			b = appendCompactJSON(b, v)
		}
	}
	str(`,"text":`, k.Text)
	if s := k.Source; s != nil {
		b = append(b, `,"source":{"type":`...)
		b = appendJSONString(b, s.Type)
		str(`,"media_type":`, s.MediaType)
		str(`,"data":`, s.Data)
		str(`,"url":`, s.URL)
		b = append(b, '}')
	}
	str(`,"id":`, k.ID)
	str(`,"name":`, k.Name)
	raw(`,"input":`, k.Input)
	str(`,"tool_use_id":`, k.ToolUseID)
	raw(`,"content":`, k.Content)
	if k.IsError {
		b = append(b, `,"is_error":true`...)
	}
	str(`,"thinking":`, k.Thinking)
	if k.Signature != nil {
		b = append(b, `,"signature":`...)
		b = appendJSONString(b, *k.Signature)
	}
	str(`,"data":`, k.Data)
	return append(b, '}')
}

// appendCompactJSON appends the valid JSON text raw as json.Marshal writes a
// json.RawMessage: without the spaces between tokens, and with <, >, &, U+2028
// and U+2029 in strings escaped.
func appendCompactJSON(b, raw []byte) []byte {
	start, inStr := 0, false
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if !inStr {
			switch c {
			case '"':
				inStr = true
			case ' ', '\t', '\n', '\r':
				b = append(b, raw[start:i]...)
				start = i + 1
			}
			continue
		}
		switch c {
		case '\\':
			i++ // the escaped character is none of those below
		case '"':
			inStr = false
		case '<', '>', '&':
			b = append(b, raw[start:i]...)
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			start = i + 1
		case 0xE2:
			if i+2 < len(raw) && raw[i+1] == 0x80 && raw[i+2]&^1 == 0xA8 {
				b = append(b, raw[start:i]...)
				b = append(b, '\\', 'u', '2', '0', '2', hexDigits[raw[i+2]&0xF])
				i += 2
				start = i + 1
			}
		}
	}
	return append(b, raw[start:]...)
}

// appendJSONFloat appends f as json.Marshal writes a float64 (f is finite: it
// was read from JSON).
func appendJSONFloat(b []byte, f float64) []byte {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}
