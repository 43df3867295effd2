package gateway

import "bytes"

// usage collects the token counts a reply reports, from the bytes as they pass,
// whatever the dialect: OpenAI (prompt_tokens, completion_tokens), Anthropic
// (input_tokens, output_tokens), Gemini (promptTokenCount, candidatesTokenCount)
// and Ollama (prompt_eval_count, eval_count). Streams repeat or accumulate them,
// so the largest value seen wins. It is best effort: a number split across two
// reads is missed.
type usage struct{ in, out int64 }

var (
	usageIn  = [][]byte{[]byte(`"prompt_tokens":`), []byte(`"input_tokens":`), []byte(`"promptTokenCount":`), []byte(`"prompt_eval_count":`)}
	usageOut = [][]byte{[]byte(`"completion_tokens":`), []byte(`"output_tokens":`), []byte(`"candidatesTokenCount":`), []byte(`"eval_count":`)}
)

func (u *usage) scan(p []byte) {
	// Every name above ends in "tokens": or "Count": or "count":, so one cheap
	// look rules out most chunks (text deltas).
	if !bytes.Contains(p, []byte(`tokens"`)) && !bytes.Contains(p, []byte(`ount"`)) {
		return
	}
	for _, n := range usageIn {
		u.in = max(u.in, findNumber(p, n))
	}
	for _, n := range usageOut {
		u.out = max(u.out, findNumber(p, n))
	}
}

// findNumber returns the largest integer that follows name in p, or 0.
func findNumber(p, name []byte) int64 {
	var best int64
	for {
		i := bytes.Index(p, name)
		if i < 0 {
			return best
		}
		p = p[i+len(name):]
		for len(p) > 0 && p[0] == ' ' {
			p = p[1:]
		}
		var v int64
		j := 0
		for ; j < len(p) && p[j] >= '0' && p[j] <= '9' && j < 12; j++ {
			v = v*10 + int64(p[j]-'0')
		}
		best = max(best, v)
		p = p[j:]
	}
}
