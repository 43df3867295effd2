package app

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/llmtap/llmtap/dataset"
	"github.com/llmtap/llmtap/store"
)

// outcome is how an exchange ended, as far as deciding its round goes.
type outcome struct {
	aborted, truncated bool
	err                string
	status             int
	// cacheHit: the gateway answered from its response cache, repeating an answer
	// that is already a turn.
	cacheHit bool
}

// blocker says why an exchange must not become a training turn, or "".
func (o outcome) blocker() string {
	switch {
	case o.cacheHit:
		return "answered from the response cache: not a new training turn"
	case o.aborted:
		return "client hung up before the answer was complete"
	case o.err != "":
		return "exchange failed: " + o.err
	// 101 is a WebSocket session's success (the Realtime API): its messages follow.
	case (o.status < 200 || o.status > 299) && o.status != http.StatusSwitchingProtocols:
		return fmt.Sprintf("upstream answered %d", o.status)
	case o.truncated:
		return "body larger than the capture limit was truncated"
	}
	return ""
}

// decideRound is the one place that decides what a chat exchange of dialect d
// contributes to the conversations: capture (toCapture) and llmtap reindex both
// use it. Only a complete 2xx exchange whose response parses to at least one answer
// gives a round; otherwise the reasons are appended to problems (which, when
// already non-empty, say the bodies could not be decoded, so nothing is parsed).
func decideRound(d dataset.Dialect, path string, reqHeader http.Header, reqBody, respBody []byte, o outcome, problems []string) (*dataset.Round, []string) {
	return decideRoundOf(d, path, reqHeader, reqBody, respBody, o, problems, dataset.Parse)
}

// decideRoundOf is decideRound with the parser given: dataset.ParseOwned for a body
// the round may take over (see toCapture).
func decideRoundOf(d dataset.Dialect, path string, reqHeader http.Header, reqBody, respBody []byte, o outcome, problems []string,
	parse func(dataset.Dialect, []byte, []byte) (*dataset.Round, error)) (*dataset.Round, []string) {
	if len(problems) > 0 {
		return nil, problems
	}
	if why := o.blocker(); why != "" {
		return nil, append(problems, why)
	}
	round, err := parse(d, reqBody, respBody)
	switch {
	case err != nil:
		return nil, append(problems, err.Error())
	case round.Incomplete:
		return nil, append(problems, "stream ended before its final event: not used for training")
	case len(round.Answers) == 0:
		return nil, append(problems, "response held no answer")
	}
	if round.SessionID == "" {
		round.SessionID = sessionFromHeaders(reqHeader)
	}
	if m := dataset.GeminiModelFromPath(path); m != "" {
		round.Model = m // Gemini names the model only in the path; the one asked for wins over the served version
	}
	return round, problems
}

// bodyProblem prefixes say a stored body is the raw, still-encoded one.
const (
	reqBodyProblem  = "request body: "
	respBodyProblem = "response body: "
)

// decideStored is decideRound for an exchange already in the store, for reindex.
// Bodies are stored decoded, except where decoding failed at capture time (the
// parse error says so); those are decoded again, since this build may know the
// encoding now.
func decideStored(e *store.Exchange) (dataset.Dialect, *dataset.Round, string) {
	d := dataset.DetectDialect(e.Method, e.Path)
	if !d.Chat() {
		return d, nil, ""
	}
	req, resp := e.ReqBody, e.RespBody
	var problems []string
	var err error
	if strings.Contains(e.ParseErr, reqBodyProblem) {
		if req, err = decodeBody(e.ReqHeader, req); err != nil {
			problems = append(problems, reqBodyProblem+err.Error())
		}
	}
	if strings.Contains(e.ParseErr, respBodyProblem) {
		if resp, err = decodeBody(e.RespHeader, resp); err != nil {
			problems = append(problems, respBodyProblem+err.Error())
		}
	}
	o := outcome{aborted: e.Aborted, truncated: e.Truncated, err: e.Err, status: e.Status, cacheHit: e.CacheHit}
	r, problems := decideRound(d, e.Path, e.ReqHeader, req, resp, o, problems)
	return d, r, strings.Join(problems, "; ")
}
