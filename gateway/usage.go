package gateway

import "bytes"

// usage collects the token counts a reply reports, from the bytes as they pass,
// whatever the dialect: OpenAI (prompt_tokens, completion_tokens), Anthropic
// (input_tokens, output_tokens), Gemini (promptTokenCount, candidatesTokenCount)
// and Ollama (prompt_eval_count, eval_count). Streams repeat or accumulate them,
// so the largest value seen wins. It is best effort: a number split across two
// reads is missed.
type usage struct {
	in, out int64
	// counts: the reply's names end in "ount" (Gemini's and Ollama's), not in
	// "tokens" (OpenAI's and Anthropic's); scan looks for the one ending.
	counts bool
}

// usageOf is the usage of a reply in provider kind's dialect.
func usageOf(kind string) usage {
	f := family(kind)
	return usage{counts: f == KindGemini || f == KindOllama}
}

var (
	usageIn  = [][]byte{[]byte(`"prompt_tokens":`), []byte(`"input_tokens":`), []byte(`"promptTokenCount":`), []byte(`"prompt_eval_count":`)}
	usageOut = [][]byte{[]byte(`"completion_tokens":`), []byte(`"output_tokens":`), []byte(`"candidatesTokenCount":`), []byte(`"eval_count":`)}
)

// usageEnds are how the names above end, in "tokens" and in "ount"; scan looks
// for the dialect's one (one pass over the bytes, not one per name) and then
// checks which name it found. Each starts at a byte that is rare in a stream, so
// bytes.Index's search for it is seldom stopped by a false start.
var usageEnds = [2][]byte{[]byte(`kens":`), []byte(`unt":`)}

func (u *usage) scan(p []byte) {
	end := usageEnds[0]
	if u.counts {
		end = usageEnds[1]
	}
	for rest := p; ; {
		i := bytes.Index(rest, end)
		if i < 0 {
			return
		}
		head := rest[:i+len(end)]
		rest = rest[i+len(end):]
		for _, n := range usageIn {
			if bytes.HasSuffix(head, n) {
				u.in = max(u.in, number(rest))
			}
		}
		for _, n := range usageOut {
			if bytes.HasSuffix(head, n) {
				u.out = max(u.out, number(rest))
			}
		}
	}
}

// number reads the integer at the start of p, after spaces; 0 when there is none.
func number(p []byte) int64 {
	for len(p) > 0 && p[0] == ' ' {
		p = p[1:]
	}
	var v int64
	for j := 0; j < len(p) && p[j] >= '0' && p[j] <= '9' && j < 12; j++ {
		v = v*10 + int64(p[j]-'0')
	}
	return v
}
