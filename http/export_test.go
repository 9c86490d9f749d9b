package http

// AppendRecommendation is appendRecommendation, for the tests.
var AppendRecommendation = appendRecommendation
