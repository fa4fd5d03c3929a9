package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/advocacy/advocacy/internal/petition"
)

// Tally keys are UTC days ("2026-11-27") and hours ("2026-11-27T13"), as the
// signer writes them.
const (
	dayKeyLayout  = "2006-01-02"
	hourKeyLayout = "2006-01-02T15"
)

// The dashboard reads the tallies the signer keeps with the count: days,
// sources, countries and consent whole (their number grows with the petition's age
// and reach, not with its signatures), and the hours of the last 48 only,
// as a range on the primary key.
const statsTalliesSQL = `
SELECT dimension, key, signature_count FROM signature_tallies
WHERE petition_id = @id AND dimension IN ('day', 'source', 'country', 'consent')
UNION ALL
SELECT dimension, key, signature_count FROM signature_tallies
WHERE petition_id = @id AND dimension = 'hour' AND key >= @first_hour`

// statsRecentSQL counts the signatures of the last hour and of the rate
// window. Signature ids grow with time, so the last hour is the range of
// ids above the newest of the petition's signatures older than an hour:
// one backward walk of signatures_petition_id_idx finds it, reading only
// the last hour's rows, never the petition's millions. The bounds are row
// comparisons on (petition_id, id) so that the planner walks that index:
// with petition_id = @id it may walk the primary key instead, through every
// other petition's newer rows. created_at still bounds the count, so a
// batch that drew its ids out of time order is counted by its time.
// (CAST, not ::, after a named parameter: gorm would read "@id::bigint" as
// one name and leave it to PostgreSQL as the absolute value of column id.)
const statsRecentSQL = `
SELECT count(*) AS last_hour, count(*) FILTER (WHERE created_at >= @since_rate) AS recent
FROM signatures
WHERE (petition_id, id) > (CAST(@id AS bigint), coalesce((
        SELECT id FROM signatures
        WHERE (petition_id, id) >= (CAST(@id AS bigint), 0::bigint) AND (petition_id, id) <= (CAST(@id AS bigint), 9223372036854775807::bigint)
          AND created_at < @since_hour
        ORDER BY petition_id DESC, id DESC LIMIT 1), 0))
  AND (petition_id, id) <= (CAST(@id AS bigint), 9223372036854775807::bigint)
  AND state = 'counted' AND created_at >= @since_hour AND created_at <= @now`

// PetitionStats returns the petition's dashboard at now. The count and the
// tallies are read in one snapshot, so they always agree.
func (s *DeskStore) PetitionStats(ctx context.Context, id int64, now time.Time) (petition.Stats, error) {
	now = now.UTC()
	firstHour, _ := petition.HourWindow(now)
	var st petition.Stats
	err := s.db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var row petitionRow
		if err := tx.Select(petitionColumns).Joins(petitionJoin).Where("petitions.id = ?", id).Take(&row).Error; err != nil {
			return notFound(err, petition.ErrNotFound)
		}
		st.Petition = row.domain()
		st.Total = row.SignatureCount
		var tallies []struct {
			Dimension      string
			Key            string
			SignatureCount int64
		}
		if err := tx.Raw(statsTalliesSQL, map[string]any{"id": id, "first_hour": firstHour.Format(hourKeyLayout)}).
			Scan(&tallies).Error; err != nil {
			return err
		}
		hours := map[time.Time]int64{}
		today := now.Format(dayKeyLayout)
		var releaseIDs []int64
		for _, t := range tallies {
			switch t.Dimension {
			case "day":
				d, err := time.Parse(dayKeyLayout, t.Key)
				if err != nil {
					continue // not written by the signer; recount rewrites it
				}
				st.PerDay = append(st.PerDay, petition.DayCount{Day: d, Count: t.SignatureCount})
				if t.Key == today {
					st.Today = t.SignatureCount
				}
			case "hour":
				if h, err := time.Parse(hourKeyLayout, t.Key); err == nil {
					hours[h] = t.SignatureCount
				}
			case "source":
				src := parseSourceKey(t.Key)
				src.Count = t.SignatureCount
				if src.ReleaseID != nil {
					releaseIDs = append(releaseIDs, *src.ReleaseID)
				}
				st.PerSource = append(st.PerSource, src)
			case "country":
				st.PerCountry = append(st.PerCountry, petition.CountryCount{Country: t.Key,
					Name: petition.CountryName(t.Key), Count: t.SignatureCount})
			case "consent":
				if t.Key == "yes" {
					st.OptedIn = t.SignatureCount
				}
			}
		}
		st.PerHour = petition.FillHours(hours, now)
		var recent struct{ LastHour, Recent int64 }
		if err := tx.Raw(statsRecentSQL, map[string]any{"id": id, "now": now, "since_hour": now.Add(-time.Hour),
			"since_rate": now.Add(-petition.RateWindow)}).Scan(&recent).Error; err != nil {
			return err
		}
		st.LastHour, st.Recent = recent.LastHour, recent.Recent
		if len(releaseIDs) == 0 {
			return nil
		}
		var releases []struct {
			ID    int64
			Slug  string
			Title string
		}
		if err := tx.Raw(`SELECT id, slug, title FROM releases WHERE id IN ?`, releaseIDs).Scan(&releases).Error; err != nil {
			return err
		}
		byID := make(map[int64]int, len(releases))
		for i, r := range releases {
			byID[r.ID] = i
		}
		for i, src := range st.PerSource {
			if j, ok := byID[deref(src.ReleaseID)]; ok && src.ReleaseID != nil {
				st.PerSource[i].ReleaseSlug, st.PerSource[i].ReleaseTitle = releases[j].Slug, releases[j].Title
			}
		}
		return nil
	}, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return petition.Stats{}, fmt.Errorf("stats of petition %d: %w", id, translate(err))
	}
	slices.SortFunc(st.PerDay, func(a, b petition.DayCount) int { return a.Day.Compare(b.Day) })
	st.SortByCount()
	return st, nil
}

// parseSourceKey reads a key written by SourceKey.
func parseSourceKey(key string) petition.SourceCount {
	src := petition.SourceCount{Key: key}
	switch {
	case strings.HasPrefix(key, "release:"):
		if id, err := strconv.ParseInt(strings.TrimPrefix(key, "release:"), 10, 64); err == nil {
			src.ReleaseID = &id
		}
	case strings.HasPrefix(key, "code:"):
		src.Code = strings.TrimPrefix(key, "code:")
	}
	return src
}
