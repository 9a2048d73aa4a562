// One ECharts chart: created once on its element, given new options as figures change, resized
// with its box. Marks itself `data-rendered` once drawn, and when (`data-rendered-at`, the page's
// clock): tests and the benchmark wait for it.

import { memo, useEffect, useLayoutEffect, useRef } from "react";
import * as echarts from "echarts/core";
import { BarChart, CustomChart, LineChart, PieChart } from "echarts/charts";
import { GridComponent, LegendComponent, MarkLineComponent, TooltipComponent } from "echarts/components";
import { CanvasRenderer } from "echarts/renderers";

echarts.use([BarChart, LineChart, PieChart, CustomChart, GridComponent, LegendComponent, MarkLineComponent, TooltipComponent, CanvasRenderer]);

export const Chart = memo(function Chart(props: { option: object; label: string; testId: string; dark: boolean }) {
  const element = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);

  useLayoutEffect(() => {
    const box = element.current;
    if (!box) return;
    const instance = echarts.init(box, props.dark ? "dark" : undefined, { renderer: "canvas" });
    chart.current = instance;
    instance.on("finished", () => {
      box.setAttribute("data-rendered", "true");
      box.setAttribute("data-rendered-at", String(performance.now()));
    });
    const resize = new ResizeObserver(() => instance.resize());
    resize.observe(box);
    return () => {
      resize.disconnect();
      instance.dispose();
      chart.current = null;
    };
  }, [props.dark]);

  useEffect(() => {
    chart.current?.setOption({ backgroundColor: "transparent", ...props.option }, { notMerge: true });
  }, [props.option, props.dark]);

  return <div ref={element} className="chart" role="img" aria-label={props.label} data-testid={props.testId} />;
});
