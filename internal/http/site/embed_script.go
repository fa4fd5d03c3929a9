package site

import (
	"bytes"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
)

// GET /embed.js
//
// The script partners put on their pages. It is the same for everyone, so
// caches may keep it for embedScriptMaxAge and then ask again with its ETag.
func (s *Site) embedScript(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("Content-Type", "text/javascript; charset=utf-8")
	h.Set("Cache-Control", "public, max-age="+strconv.Itoa(int(embedScriptMaxAge.Seconds())))
	h.Set("ETag", s.embed.scriptETag)
	http.ServeContent(c.Writer, c.Request, "embed.js", time.Time{}, bytes.NewReader(s.embed.script))
}
