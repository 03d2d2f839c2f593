package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/tuoyu/tuoyu/ent/hook"
	"github.com/tuoyu/tuoyu/internal/geojson"
	"github.com/tuoyu/tuoyu/internal/ident"
)

// Region is one node of the administrative tree: province, city (设区的市),
// district or county, and subdistrict (街道/乡镇).
type Region struct{ ent.Schema }

// Mixin of the Region.
func (Region) Mixin() []ent.Mixin { return []ent.Mixin{TimestampsMixin{}} }

// Fields of the Region.
func (Region) Fields() []ent.Field {
	return []ent.Field{
		field.String("code").
			Unique().
			Validate(ident.ValidateRegionCode).
			Comment("GB/T 2260 administrative division code: 6 digits down to district level, 9 or 12 digits for subdistricts.").
			Annotations(entgql.OrderField("CODE")),
		field.String("name").
			NotEmpty().
			MaxLen(100).
			Comment("Official name, e.g. 沈阳市 or 和平区.").
			Annotations(entgql.OrderField("NAME")),
		field.Enum("level").
			Values("PROVINCE", "CITY", "DISTRICT", "SUBDISTRICT").
			Annotations(EnumDoc{"PROVINCE": "Province-level division (省, 自治区, 直辖市); 6-digit code ending in 0000.", "CITY": "Prefecture-level city (设区的市); 6-digit code ending in 00.", "DISTRICT": "District or county (区/县); 6-digit code.", "SUBDISTRICT": "Subdistrict, town or township (街道/乡镇); 9- or 12-digit code."}).
			Comment("Level in the administrative tree.").
			Annotations(entgql.Type("RegionLevel"), entgql.OrderField("LEVEL")),
		field.Int("parent_id").
			Optional().
			Nillable().
			Comment("The enclosing region; null for a province."),
		field.Text("boundary").
			Optional().
			Nillable().
			Validate(geojson.ValidateBoundary).
			Comment("Outline of the region for maps: a GeoJSON (RFC 7946) geometry object of type Polygon or MultiPolygon, as JSON text, WGS-84 [longitude, latitude] positions, rings closed, at most 512 KiB. Null when unknown; the dashboard then draws no choropleth for the region. The demo's district outlines are approximate.").
			Annotations(entgql.Skip(entgql.SkipWhereInput, entgql.SkipOrderField)),
	}
}

// Edges of the Region.
func (Region) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("children", Region.Type).
			Comment("Regions directly below this one (a city's districts, a district's subdistricts); not to be confused with Query.children, the Child records.").
			Annotations(entgql.RelayConnection(), entgql.MapsTo("subregions")).
			From("parent").
			Field("parent_id").
			Unique().
			Comment("The enclosing region."),
		edge.To("institutions", Institution.Type).
			Comment("Institutions registered directly in this region (normally a subdistrict).").
			Annotations(entgql.RelayConnection(), noWherePredicate),
		edge.To("population_stats", PopulationStat.Type).
			Comment("Yearly population statistics of this region.").
			Annotations(entgql.RelayConnection()),
		edge.To("surveys", Survey.Type).
			Comment("Parent surveys held in this region.").
			Annotations(entgql.RelayConnection()),
		edge.To("targets", Target.Type).
			Comment("Plan targets set for this region.").
			Annotations(entgql.RelayConnection()),
		edge.To("resident_children", Child.Type).
			Comment("Children whose residence is this region.").
			Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// Indexes of the Region.
func (Region) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("parent_id"),
		index.Fields("level"),
	}
}

// Policy of the Region: see policy.go.
func (Region) Policy() ent.Policy {
	return policy(readAll(), regulatorWriters...)
}

// Hooks of the Region.
func (Region) Hooks() []ent.Hook {
	return []ent.Hook{hook.On(noRegionCycle, ent.OpUpdateOne)}
}

// Annotations of the Region.
func (Region) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("One node of the administrative tree (GB/T 2260): PROVINCE › CITY › DISTRICT › SUBDISTRICT. KPI values of a region cover all its descendants."),
		entgql.RelayConnection(),
		entgql.QueryField(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
	}
}
