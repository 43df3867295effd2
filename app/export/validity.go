package export

import (
	"net/http"

	"github.com/llmtap/llmtap/dataset"
)

// Validity is the answer of GET /api/conversations/{id}/validity: what an export in
// one format makes of one conversation, as the export preview checks it (the
// format's converter and its trainer's validator on the conversation's records).
type Validity struct {
	Format dataset.ExportFormat `json:"format"`
	// Valid is set when the conversation gives at least one record and none is
	// left out.
	Valid bool `json:"valid"`
	// Records is how many records it gives (a preference format: pairs).
	Records int `json:"records"`
	// Reasons say why each record it cannot give is left out.
	Reasons []string `json:"reasons"`
	// Fixes counts the records written only after a safe fix or a cut, by fix.
	Fixes       map[string]int           `json:"fixes,omitempty"`
	PairsByRule map[dataset.PairRule]int `json:"pairsByRule,omitempty"`
}

// noPairs is the reason a conversation without a pair gives nothing in a
// preference format.
const noPairs = "no preference pair: no answer has a sibling or a reviewer's edit"

// noRecord is the reason a conversation gives nothing in another format.
const noRecord = "no record: the format takes nothing of it"

// apiValidity answers GET /api/conversations/{id}/validity?format=F (and the other
// record options of an export): whether the conversation is valid for F, and why
// not. Its review status does not count: the export's status filter is the dialog's.
func (s *Service) apiValidity(r *http.Request) (any, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	format, opt, err := QueryParams(r.URL.Query()).Parse()
	if err != nil {
		return nil, err
	}
	if format == dataset.FormatShareGPT {
		format = dataset.FormatShareGPTJSONL // the same records, as the preview checks them
	}
	key := previewKey{format: format, opt: opt}
	_, c, err := checkConversation(r.Context(), s.previewRead(key), id)
	if err != nil {
		return nil, err
	}
	spec, _ := dataset.LookupFormat(format) // Params.Parse checked it
	v := Validity{Format: spec.Format, Records: c.written, Reasons: c.reasons, Fixes: c.fixes, PairsByRule: c.pairs}
	if v.Reasons == nil {
		v.Reasons = []string{}
	}
	if v.Records == 0 && len(v.Reasons) == 0 {
		v.Reasons = append(v.Reasons, noRecord)
		if spec.Pairs {
			v.Reasons[0] = noPairs
		}
	}
	v.Valid = v.Records > 0 && len(c.reasons) == 0
	return v, nil
}
