// Package httperr writes the one error body every non-GraphQL route of the
// server answers with: the GraphQL error shape, so clients parse a refused
// upload, a missing download or an unknown path like any GraphQL error.
//
//	{"errors":[{"message":"…","extensions":{"code":"NOT_FOUND"}}]}
package httperr

import (
	"encoding/json"
	"net/http"
)

// Body is the JSON error body for code and message.
func Body(code, message string) []byte {
	b, _ := json.Marshal(map[string]any{
		"errors": []map[string]any{{"message": message, "extensions": map[string]any{"code": code}}},
	})
	return append(b, '\n')
}

// Write answers status with the error body for code and message.
func Write(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(Body(code, message))
}
