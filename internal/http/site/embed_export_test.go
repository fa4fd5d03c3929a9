package site

import "time"

// EmbedToken is the embedded form's token for petitionID framed by origin,
// issued at issued under key, as the server would have made it then.
func EmbedToken(key []byte, petitionID int64, origin string, issued time.Time) string {
	return embedTokens{key: key}.issue(petitionID, origin, issued)
}
