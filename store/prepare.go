package store

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/llmtap/llmtap/dataset"
)

// prepared is what threading needs of a round that the round alone decides: its
// turns and answers, the keys of every prefix of the history, the encoded prelude
// and tool list with their hashes. It is worked out before the write transaction,
// on every core, so the write lock is held for the statements only and the hashing
// of a long history never waits on it.
type prepared struct {
	r       *dataset.Round
	prelude []dataset.Message // as sent, with inline media (stored before the blob)
	turns   []dataset.Message
	answers []dataset.Message // a prefill's continuation already merged (dataset.Continue)
	// keys are dataset.PathKeys(turns): keys[i] is the key of turns[i] when it is
	// placed after the turns before it, from the root.
	keys []string
	// answerKeys are the keys of the answers under the last turn (keys[len-1], or
	// the root when there are no turns).
	answerKeys []string
	// answerContentKeys are the answers' content keys (dataset.MessageKey("", a)),
	// worked out with answerKeys from one canonical form: a long answer's is costly.
	answerContentKeys []string
	preludeJSON       []byte // JSON of the prelude with media as references; nil when none
	preludeHash       string
	toolsHash         string
	title             string
	client            string // dataset.ClientName of the request's User-Agent
	err               error  // why the prelude could not be encoded; threading reports it
	// maybePrefill: the history ends in an assistant turn the API answers with a
	// new message; thread decides whether the client meant it continued.
	maybePrefill bool
	// bodyDialect is the dialect r was parsed in from the exchange's bodies as
	// stored, or "" when r was made otherwise: only then may a long answer be
	// stored once (answertext.go).
	bodyDialect dataset.Dialect
	// answerOnce says, for each answer, where its text is when it is stored once
	// (answerRef.length 0: stored whole).
	answerOnce []answerRef
}

// continueLast makes the last turn a prefill the answers continue: it leaves the
// turns, and each answer becomes the prefill and its continuation together.
func (p *prepared) continueLast() {
	prefill := p.turns[len(p.turns)-1]
	p.turns, p.keys = p.turns[:len(p.turns)-1], p.keys[:len(p.keys)-1]
	answers := p.answers
	p.answers = make([]dataset.Message, len(answers))
	for i, a := range answers {
		a.Content = dataset.Continue(prefill.Content, a.Content)
		if a.Name == "" {
			a.Name = prefill.Name // the character whose message is continued
		}
		p.answers[i] = a
	}
	p.setAnswerKeys()
	p.maybePrefill = false
}

// setAnswerKeys works out the keys of the answers under the last turn, and which
// are stored once (with their CRC: off the writer's path, as the keys).
func (p *prepared) setAnswerKeys() {
	parent := ""
	if len(p.keys) > 0 {
		parent = p.keys[len(p.keys)-1]
	}
	p.answerKeys = make([]string, len(p.answers))
	p.answerContentKeys = make([]string, len(p.answers))
	p.answerOnce = make([]answerRef, len(p.answers))
	for i, a := range p.answers {
		p.answerKeys[i], p.answerContentKeys[i] = dataset.MessageKeys(parent, a)
		if p.bodyDialect != "" && p.r.Dialect == p.bodyDialect {
			p.answerOnce[i] = onceRef(p.bodyDialect, p.r.Answers, i, a.Content)
		}
	}
}

// prepare works out what threading can of round r alone; bodyDialect is
// prepared.bodyDialect.
func prepare(r *dataset.Round, reqHeader map[string][]string, bodyDialect dataset.Dialect) *prepared {
	h := dataset.SplitHistory(r.Messages)
	// A SillyTavern group chat sent without `name` fields: its characters' turns
	// are named by their "Name: " prefix, its answers by the nudge (issue 16).
	g := dataset.ReadGroupChat(h)
	p := &prepared{r: r, prelude: h.Prelude, turns: g.NameTurns(h.Turns), answers: g.NameAnswers(r.Answers), bodyDialect: bodyDialect}
	p.keys = dataset.PathKeys(p.turns)
	if dataset.ContinuesLast(r, p.turns) {
		p.continueLast()
	} else {
		p.setAnswerKeys()
		// OpenAI's API answers a trailing assistant message with a new one, but a
		// client may send it to have it continued (SillyTavern's Continue with
		// continue_prefill on): thread decides by what is stored (prefill.go).
		p.maybePrefill = dataset.IsPrefill(p.turns) && len(r.Answers) > 0
	}
	if len(p.prelude) > 0 {
		refs := make([]dataset.Message, len(p.prelude))
		for i, m := range p.prelude {
			m.Media = mediaRefs(m.Media)
			refs[i] = m
		}
		b, err := json.Marshal(refs)
		if err != nil {
			p.err = fmt.Errorf("encode prelude: %w", err)
		}
		p.preludeJSON, p.preludeHash = b, blobHash(b)
	}
	if r.Tools != "" {
		p.toolsHash = blobHash([]byte(r.Tools))
	}
	p.title = title(p.turns)
	// The header as stored: json_extract(req_headers, '$."User-Agent"[0]') reads the same.
	ua := ""
	if v := reqHeader["User-Agent"]; len(v) > 0 {
		ua = v[0]
	}
	p.client = dataset.ClientName(ua)
	return p
}

// prepareAll returns what threading needs of each capture's round (nil for none):
// what Capture.Prepare worked out, or else prepared now, on every core.
func prepareAll(caps []Capture) []*prepared {
	out := make([]*prepared, len(caps))
	parallel(len(caps), func(i int) {
		p := caps[i].prep
		if p == nil && caps[i].Round != nil {
			p = prepare(caps[i].Round, caps[i].Exchange.ReqHeader, caps[i].bodyDialect())
		}
		out[i] = p
	})
	return out
}

// parallel calls f(0..n-1) on up to GOMAXPROCS goroutines and waits for them.
func parallel(n int, f func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				f(i)
			}
		}()
	}
	wg.Wait()
}

// blobHash is the name a blob is stored under: its hex SHA-256.
func blobHash(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// mediaRefs returns media as references: Data cleared, Hash set from it. The
// input is not modified.
func mediaRefs(media []dataset.Media) []dataset.Media {
	if len(media) == 0 {
		return nil
	}
	refs := make([]dataset.Media, len(media))
	for i, md := range media {
		if len(md.Data) > 0 {
			md.Hash = dataset.MediaHash(md.Data)
			md.Data = nil
		}
		refs[i] = md
	}
	return refs
}
