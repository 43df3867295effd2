package dataset

import "encoding/json"

// RequestModel returns the model a request asks for: the one a Gemini path names,
// else the top-level "model" string of a JSON body (OpenAI, Anthropic, Ollama,
// rerank and embedding APIs all put it there), else "". It never fails: a body that
// is not JSON names no model.
func RequestModel(path string, reqBody []byte) string {
	if m := GeminiModelFromPath(path); m != "" {
		return m
	}
	if len(reqBody) == 0 || reqBody[0] != '{' {
		return ""
	}
	if model, ok := requestModelFast(reqBody); ok {
		return model
	}
	return requestModelJSON(reqBody)
}

// requestModelJSON is RequestModel's encoding/json path, for the bodies
// requestModelFast is not sure to read as it does.
func requestModelJSON(reqBody []byte) string {
	var req struct {
		Model string `json:"model"`
	}
	if json.Unmarshal(reqBody, &req) != nil {
		return ""
	}
	return req.Model
}
