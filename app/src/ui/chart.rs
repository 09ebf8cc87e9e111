//! A bar chart drawn as SVG by the app itself (no chart library): one bar per point, the
//! largest value fills the height, every bar has a tooltip with its label and value.

use leptos::prelude::*;

const WIDTH: f64 = 600.0;
const HEIGHT: f64 = 160.0;
const GAP: f64 = 2.0;

/// The bars' rectangles: x, y, width, height for each value.
pub fn bar_geometry(values: &[i64]) -> Vec<(f64, f64, f64, f64)> {
    let max = values.iter().copied().max().unwrap_or(0).max(1) as f64;
    let slot = WIDTH / values.len().max(1) as f64;
    values
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            let h = (v.max(0) as f64 / max) * HEIGHT;
            (
                i as f64 * slot + GAP / 2.0,
                HEIGHT - h,
                (slot - GAP).max(1.0),
                h,
            )
        })
        .collect()
}

#[component]
pub fn BarChart(
    /// (label, value) per bar, in order.
    points: Vec<(String, i64)>,
    /// What the chart shows, for screen readers.
    title: &'static str,
    /// The unit of the values, for tooltips ("credits").
    unit: &'static str,
) -> impl IntoView {
    let values: Vec<i64> = points.iter().map(|(_, v)| *v).collect();
    let total: i64 = values.iter().sum();
    let bars = bar_geometry(&values);
    let first = points.first().map(|p| p.0.clone()).unwrap_or_default();
    let last = points.last().map(|p| p.0.clone()).unwrap_or_default();
    view! {
        <figure class="chart" data-total=total>
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-label=title preserveAspectRatio="none">
                <title>{title}</title>
                {points.into_iter().zip(bars).map(|((label, value), (x, y, w, h))| view! {
                    <rect class="chart-bar" x=x y=y width=w height=h data-value=value>
                        <title>{format!("{label}: {value} {unit}")}</title>
                    </rect>
                }).collect_view()}
            </svg>
            <figcaption class="chart-axis muted small"><span>{first}</span><span>{last}</span></figcaption>
        </figure>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_largest_value_fills_the_height_and_zero_is_flat() {
        let bars = bar_geometry(&[0, 5, 10]);
        assert_eq!(bars.len(), 3);
        assert_eq!(bars[0].3, 0.0);
        assert_eq!(bars[1].3, HEIGHT / 2.0);
        assert_eq!(bars[2].3, HEIGHT);
        assert_eq!(bars[2].1, 0.0);
    }

    #[test]
    fn all_zero_values_draw_no_bars_above_the_axis() {
        assert!(bar_geometry(&[0, 0]).iter().all(|b| b.3 == 0.0));
        assert!(bar_geometry(&[]).is_empty());
    }
}
