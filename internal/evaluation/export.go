package evaluation

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/cityevaluationitem"
	"github.com/tuoyu/tuoyu/internal/apperr"

	"github.com/tuoyu/tuoyu/internal/httperr"
)

// chineseNumerals number the sections as the annex does: (一) … (十).
var chineseNumerals = []string{"一", "二", "三", "四", "五", "六", "七", "八", "九", "十"}

func sectionLabel(no int, name string, points int) string {
	n := strconv.Itoa(no)
	if no >= 1 && no <= len(chineseNumerals) {
		n = chineseNumerals[no-1]
	}
	return fmt.Sprintf("（%s）%s%d分", n, name, points)
}

// WriteXLSX writes the evaluation id as the annex table (指标内容, 分值,
// 自评分, 佐证材料), a section row before its items, plus the province's
// review (评审分, 评审意见) and the data's basis when present. It reads as
// the viewer: an evaluation the viewer may not read is NOT_FOUND.
func WriteXLSX(ctx context.Context, client *ent.Client, id int, w io.Writer) error {
	e, err := Get(ctx, client, id)
	if err != nil {
		return err
	}
	city, err := e.QueryRegion().Only(system(ctx))
	if err != nil {
		return fmt.Errorf("evaluation: export city: %w", err)
	}
	scheme, err := e.QueryScheme().Only(system(ctx))
	if err != nil {
		return fmt.Errorf("evaluation: export scheme: %w", err)
	}
	rows, err := client.CityEvaluationItem.Query().Where(cityevaluationitem.EvaluationID(id)).WithItem().All(ctx)
	if err != nil {
		return fmt.Errorf("evaluation: export rows: %w", err)
	}
	sort.Slice(rows, func(i, j int) bool {
		a, b := rows[i].Edges.Item, rows[j].Edges.Item
		if a.SectionNo != b.SectionNo {
			return a.SectionNo < b.SectionNo
		}
		return a.ItemNo < b.ItemNo
	})
	f := excelize.NewFile()
	defer f.Close()
	sheet := "自评表"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return fmt.Errorf("evaluation: export: %w", err)
	}
	set := func(cell string, v any) {
		if err == nil {
			err = f.SetCellValue(sheet, cell, v)
		}
	}
	set("A1", scheme.Name)
	set("A2", fmt.Sprintf("%s %d年 状态：%s", city.Name, e.Year, e.Status))
	header := []string{"指标内容", "分值", "自评分", "佐证材料", "评审分", "评审意见", "数据依据"}
	lastColumn, _ := excelize.ColumnNumberToName(len(header))
	for i, h := range header {
		c, _ := excelize.CoordinatesToCellName(i+1, 3)
		set(c, h)
	}
	r := 4
	section := 0
	var selfTotal, reviewTotal float64
	for _, row := range rows {
		it := row.Edges.Item
		if it.SectionNo != section {
			section = it.SectionNo
			set(fmt.Sprintf("A%d", r), sectionLabel(it.SectionNo, it.SectionName, it.SectionPoints))
			set(fmt.Sprintf("B%d", r), it.SectionPoints)
			r++
		}
		content := fmt.Sprintf("%d. %s", it.ItemNo, it.Content)
		if it.DeductionRules != "" {
			content += "\n" + it.DeductionRules
		}
		var docs []string
		for _, d := range row.Evidence {
			ref := d.URL
			if ref == "" {
				ref = "SHA-256 " + d.FileSHA256
			}
			docs = append(docs, fmt.Sprintf("%s（%s，%s）%s", d.Title, d.Issuer, d.IssuedOn, ref))
		}
		if row.Note != "" {
			docs = append([]string{row.Note}, docs...)
		}
		set(fmt.Sprintf("A%d", r), content)
		set(fmt.Sprintf("B%d", r), it.Points)
		if row.SelfScore != nil {
			set(fmt.Sprintf("C%d", r), *row.SelfScore)
			selfTotal += *row.SelfScore
		}
		set(fmt.Sprintf("D%d", r), strings.Join(docs, "\n"))
		if row.ReviewScore != nil {
			set(fmt.Sprintf("E%d", r), *row.ReviewScore)
			reviewTotal += *row.ReviewScore
		}
		comment := row.ReviewComment
		if row.OverrideReason != "" {
			comment = strings.TrimSpace(comment + "\n调整理由：" + row.OverrideReason)
		}
		set(fmt.Sprintf("F%d", r), comment)
		set(fmt.Sprintf("G%d", r), row.AutoBasis)
		r++
	}
	set(fmt.Sprintf("A%d", r), "合计")
	set(fmt.Sprintf("B%d", r), scheme.TotalPoints)
	set(fmt.Sprintf("C%d", r), selfTotal)
	set(fmt.Sprintf("E%d", r), reviewTotal)
	if err == nil {
		// excelize keeps its template's <dimension ref="A1"/>; readers that
		// trust it (openpyxl read_only) would see one cell.
		err = f.SetSheetDimension(sheet, fmt.Sprintf("A1:%s%d", lastColumn, r))
	}
	if err == nil {
		err = f.SetColWidth(sheet, "A", "A", 80)
	}
	if err == nil {
		err = f.SetColWidth(sheet, "D", "G", 40)
	}
	if err != nil {
		return fmt.Errorf("evaluation: export: %w", err)
	}
	if _, err := f.WriteTo(w); err != nil {
		return fmt.Errorf("evaluation: export write: %w", err)
	}
	return nil
}

// ExportPath is the path of evaluation id's XLSX.
func ExportPath(id int) string { return fmt.Sprintf("/evaluations/%d.xlsx", id) }

// ExportHandler serves GET /evaluations/{id}.xlsx to a viewer who may read
// the evaluation (the request context carries the viewer: mount it behind
// the same authenticator and rate limiter as /query). Unknown, unreadable
// and malformed IDs are all 404, so the answer reveals nothing.
func ExportHandler(client *ent.Client) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			httperr.Write(w, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "GET an evaluation's table")
			return
		}
		name := strings.TrimPrefix(r.URL.Path, "/evaluations/")
		idStr, ok := strings.CutSuffix(name, ".xlsx")
		id, err := strconv.Atoi(idStr)
		if !ok || err != nil || id <= 0 {
			httperr.Write(w, http.StatusNotFound, "NOT_FOUND", "no such evaluation: GET /evaluations/{id}.xlsx of an evaluation you may read")
			return
		}
		var buf strings.Builder
		if err := WriteXLSX(r.Context(), client, id, &buf); err != nil {
			if errors.Is(err, apperr.ErrNotFound) {
				httperr.Write(w, http.StatusNotFound, "NOT_FOUND", "no such evaluation: GET /evaluations/{id}.xlsx of an evaluation you may read")
				return
			}
			httperr.Write(w, http.StatusInternalServerError, "INTERNAL", "internal error")
			return
		}
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="evaluation-%d.xlsx"`, id))
		w.Header().Set("Cache-Control", "private, no-store")
		_, _ = io.WriteString(w, buf.String())
	})
}
