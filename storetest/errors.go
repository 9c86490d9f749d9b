package storetest

import (
	"errors"

	"precinct"
)

func asError(err error, target **precinct.Error) bool { return errors.As(err, target) }
