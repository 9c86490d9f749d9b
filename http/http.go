// Package http serves Precinct's JSON API under /api/v1, its Server-Sent
// Events stream, the OpenAPI document, health and metrics endpoints, and the
// embedded console. It is the only package that knows HTTP status codes:
// domain error codes are mapped to them once, in codes below.
package http

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"precinct"
)

// EMETHOD is the code of a request whose method the path does not take. It
// exists only at the HTTP edge: no service returns it.
const EMETHOD = "EMETHOD"

// codes maps domain error codes to HTTP status codes.
var codes = map[string]int{
	precinct.EINVALID:      http.StatusBadRequest,
	precinct.EUNAUTHORIZED: http.StatusUnauthorized,
	precinct.EFORBIDDEN:    http.StatusForbidden,
	precinct.ENOTFOUND:     http.StatusNotFound,
	precinct.ECONFLICT:     http.StatusConflict,
	precinct.ETOOMANY:      http.StatusTooManyRequests,
	precinct.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	EMETHOD:                http.StatusMethodNotAllowed,
	precinct.EINTERNAL:     http.StatusInternalServerError,
}

// errorBody is the JSON of an error response.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code      string            `json:"code"`
	Message   string            `json:"message"`
	MessageEN string            `json:"message_en"`
	Field     string            `json:"field,omitempty"`
	Data      map[string]string `json:"data,omitempty"`
}

// writeError writes err as JSON with its status. Internal errors are logged
// and shown only generically.
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	code := precinct.ErrorCode(err)
	zh, en := precinct.ErrorMessage(err)
	d := errorDetail{Code: code, Message: zh, MessageEN: en}
	var e *precinct.Error
	if errors.As(err, &e) {
		d.Field, d.Data = e.Field, e.Data
	}
	if code == precinct.EINTERNAL && log != nil {
		log.Error("internal error", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if code == precinct.ETOOMANY && d.Data["retry_after_s"] != "" {
		w.Header().Set("Retry-After", d.Data["retry_after_s"])
	}
	status, ok := codes[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	writeJSON(w, status, errorBody{Error: d})
}

// writeJSON writes v as JSON with a status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// list is the JSON of a list response.
type list[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
}

func newList[T any](items []T, next string) list[T] {
	if items == nil {
		items = []T{}
	}
	return list[T]{Items: items, NextCursor: next}
}

// Body size limits.
const (
	maxBody          = 1 << 20
	maxPositionsBody = 16 << 20
)

// decode reads a JSON body strictly into v: application/json only, within
// limit bytes, no unknown fields, nothing after the value. Errors are
// EINVALID with a message that says what is wrong.
func decode(w http.ResponseWriter, r *http.Request, v any, limit int64) error {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return precinct.Errorf(precinct.EINVALID, "请求体必须是 JSON（Content-Type: application/json）", "The body must be JSON (Content-Type: application/json).")
	}
	body := http.MaxBytesReader(w, r.Body, limit)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if _, err2 := dec.Token(); err2 != io.EOF {
			return precinct.Errorf(precinct.EINVALID, "JSON 之后还有多余内容", "Unexpected data after the JSON value.")
		}
		return nil
	}
	var maxErr *http.MaxBytesError
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	var pe *precinct.Error
	switch {
	case errors.As(err, &maxErr):
		return precinct.Errorf(precinct.ETOOLARGE, "请求体超过 %s 的上限", "The body exceeds the limit of %s.", sizeText(limit))
	case errors.As(err, &pe):
		return pe
	case errors.As(err, &syntaxErr):
		return precinct.Errorf(precinct.EINVALID, "JSON 格式错误（第 %d 字节）", "Malformed JSON at byte %d.", syntaxErr.Offset)
	case errors.As(err, &typeErr):
		return precinct.FieldErrorf(precinct.EINVALID, typeErr.Field, "字段 %s 的类型不正确", "Field %s has the wrong type.", typeErr.Field)
	case errors.Is(err, io.EOF):
		return precinct.Errorf(precinct.EINVALID, "请求体为空", "The body is empty.")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return precinct.Errorf(precinct.EINVALID, "JSON 不完整", "The JSON is incomplete.")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return precinct.FieldErrorf(precinct.EINVALID, field, "未知字段：%s", "Unknown field: %s.", field)
	}
	return precinct.Errorf(precinct.EINVALID, "无法解析请求体：%s", "Cannot read the body: %s", err.Error())
}

// sizeText writes a byte count in MiB or KiB when it is a whole number of them.
func sizeText(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d 字节", n)
}

// maxIdempotencyKey bounds the Idempotency-Key header.
const maxIdempotencyKey = 200

// idempotencyKey reads the Idempotency-Key header: a resent request with
// the same key takes effect once.
func idempotencyKey(r *http.Request) (string, error) {
	k := r.Header.Get("Idempotency-Key")
	if len(k) > maxIdempotencyKey {
		return "", precinct.FieldErrorf(precinct.EINVALID, "Idempotency-Key", "Idempotency-Key 过长", "The Idempotency-Key is too long.")
	}
	return k, nil
}

// queryBool reads an optional boolean query parameter: 1 or true, 0 or false.
func queryBool(r *http.Request, name string) (bool, error) {
	switch r.URL.Query().Get(name) {
	case "", "0", "false":
		return false, nil
	case "1", "true":
		return true, nil
	}
	return false, precinct.FieldErrorf(precinct.EINVALID, name, "参数 %s 应为 true 或 false", "Parameter %s must be true or false.", name)
}

// Page sizes of list requests: ?limit= is 1 to maxLimit, defaultLimit
// when absent.
const (
	defaultLimit = 100
	maxLimit     = 1000
)

// queryLimit reads the page size of a list request: a whole number from 1
// to 1000 (100 when absent). Anything else is EINVALID, never clamped.
func queryLimit(r *http.Request) (int, error) {
	return queryLimitOf(r, defaultLimit, maxLimit)
}

// queryLimitOf reads the page size within 1..most, def when absent.
func queryLimitOf(r *http.Request, def, most int) (int, error) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > most {
		return 0, precinct.FieldErrorf(precinct.EINVALID, "limit", "参数 limit 应为 1 至 %d 的整数", "Parameter limit must be a whole number from 1 to %d.", most)
	}
	return n, nil
}

// queryFloat reads a finite number from the query; EINVALID when absent,
// malformed, infinite or NaN.
func queryFloat(r *http.Request, name string) (float64, error) {
	f, err := strconv.ParseFloat(r.URL.Query().Get(name), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, precinct.FieldErrorf(precinct.EINVALID, name, "参数 %s 应为有限的数", "Parameter %s must be a finite number.", name)
	}
	return f, nil
}

// months reads ?from=&to= (YYYY-MM, inclusive; by default the last
// twelve months) as [from, to).
func (s *Server) months(r *http.Request) (time.Time, time.Time, error) {
	month := func(name string, def time.Time) (time.Time, error) {
		v := r.URL.Query().Get(name)
		if v == "" {
			return def, nil
		}
		t, err := time.ParseInLocation("2006-01", v, precinct.CST)
		if err != nil {
			return t, precinct.FieldErrorf(precinct.EINVALID, name, "月份格式应为 YYYY-MM", "Months are YYYY-MM.")
		}
		return t, nil
	}
	now := s.Clock.Now().In(precinct.CST)
	this := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, precinct.CST)
	from, err := month("from", this.AddDate(0, -11, 0))
	if err != nil {
		return from, from, err
	}
	to, err := month("to", this)
	return from, to.AddDate(0, 1, 0), err
}
