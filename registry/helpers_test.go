package registry_test

import (
	"errors"

	"precinct"
)

func asErr(err error, target **precinct.Error) bool { return errors.As(err, target) }
