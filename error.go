package precinct

import (
	"errors"
	"fmt"
)

// Error codes. Each is stable: clients match on them, and the HTTP adapter maps
// each to one status code.
const (
	ECONFLICT     = "ECONFLICT"     // the state forbids the change (a held unit, an impossible transition)
	EINVALID      = "EINVALID"      // the request is malformed or a value is out of range
	ENOTFOUND     = "ENOTFOUND"     // the entity does not exist (or is hidden from the caller)
	EFORBIDDEN    = "EFORBIDDEN"    // the caller's role or jurisdiction does not allow it
	EUNAUTHORIZED = "EUNAUTHORIZED" // no valid credentials
	ETOOMANY      = "ETOOMANY"      // rate limited
	ETOOLARGE     = "ETOOLARGE"     // the request body is over its limit
	EINTERNAL     = "EINTERNAL"     // a fault on our side
)

// Error is the one error type of the domain. Message is Chinese (the product
// speaks Chinese first), MessageEN its English translation. Field names the
// request field at fault, when one is.
type Error struct {
	Code      string
	Message   string
	MessageEN string
	Field     string
	// Data carries structured detail, for example the incident that holds a unit.
	Data map[string]string
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("precinct error: code=%s field=%s message=%s", e.Code, e.Field, e.MessageEN)
	}
	return fmt.Sprintf("precinct error: code=%s message=%s", e.Code, e.MessageEN)
}

// Errorf returns an *Error with a Chinese and an English message. Both formats
// take the same arguments.
func Errorf(code, zh, en string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(zh, args...), MessageEN: fmt.Sprintf(en, args...)}
}

// FieldErrorf is Errorf for an error caused by one request field.
func FieldErrorf(code, field, zh, en string, args ...any) *Error {
	e := Errorf(code, zh, en, args...)
	e.Field = field
	return e
}

// ErrorCode returns the code of the root *Error in err's chain, EINTERNAL for any
// other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the Chinese and English messages of err. Errors that are
// not *Error are internal: their text is not shown to users.
func ErrorMessage(err error) (zh, en string) {
	var e *Error
	if err == nil {
		return "", ""
	} else if errors.As(err, &e) {
		return e.Message, e.MessageEN
	}
	return "内部错误", "Internal error."
}

// ErrNotFound is the common "no such entity" error.
func ErrNotFound(kindZH, kindEN, id string) *Error {
	return &Error{Code: ENOTFOUND,
		Message:   fmt.Sprintf("%s不存在：%s", kindZH, id),
		MessageEN: fmt.Sprintf("%s not found: %s", kindEN, id)}
}

// ErrForbidden is returned when the role or jurisdiction does not allow an action.
func ErrForbidden() *Error {
	return Errorf(EFORBIDDEN, "无权限：超出您的角色或辖区范围", "Forbidden: outside your role or jurisdiction.")
}
