/** The CloudWatch dashboard of the AWS stack: alarms, traffic, targets, the API's CPU and memory, the database. */
import type { ServiceSpec } from "../../spec/index.js";

export function dashboardBody(d: {
  region: string;
  lb: string;
  tg: string;
  cluster: string;
  service: string;
  db: string;
  alarmArns: string[];
  spec: ServiceSpec;
}): Record<string, unknown> {
  const widget = (
    title: string,
    metrics: unknown[][],
    x: number,
    y: number,
    extra: Record<string, unknown> = {},
  ) => ({
    type: "metric",
    x,
    y,
    width: 8,
    height: 6,
    properties: {
      title,
      region: d.region,
      view: "timeSeries",
      stacked: false,
      period: 60,
      metrics,
      ...extra,
    },
  });
  const elb = "AWS/ApplicationELB";
  return {
    widgets: [
      {
        type: "alarm",
        x: 0,
        y: 0,
        width: 24,
        height: 3,
        properties: { title: "Alarms", alarms: d.alarmArns },
      },
      widget("Requests", [[elb, "RequestCount", "LoadBalancer", d.lb, { stat: "Sum" }]], 0, 3),
      widget(
        "5xx",
        [
          [elb, "HTTPCode_Target_5XX_Count", "LoadBalancer", d.lb, { stat: "Sum" }],
          [elb, "HTTPCode_ELB_5XX_Count", "LoadBalancer", d.lb, { stat: "Sum" }],
        ],
        8,
        3,
      ),
      widget(
        "Target response time (s)",
        ["p50", "p95", "p99"].map((stat) => [
          elb,
          "TargetResponseTime",
          "LoadBalancer",
          d.lb,
          "TargetGroup",
          d.tg,
          { stat },
        ]),
        16,
        3,
        { annotations: { horizontal: [{ label: "SLA p95", value: d.spec.alerts.latencyP95Ms / 1000 }] } },
      ),
      widget(
        "Targets",
        [
          [elb, "HealthyHostCount", "LoadBalancer", d.lb, "TargetGroup", d.tg, { stat: "Minimum" }],
          [elb, "UnHealthyHostCount", "LoadBalancer", d.lb, "TargetGroup", d.tg, { stat: "Maximum" }],
          [
            "ECS/ContainerInsights",
            "RunningTaskCount",
            "ClusterName",
            d.cluster,
            "ServiceName",
            d.service,
            { stat: "Minimum" },
          ],
        ],
        0,
        9,
      ),
      widget(
        "API CPU / memory (%)",
        [
          ["AWS/ECS", "CPUUtilization", "ClusterName", d.cluster, "ServiceName", d.service],
          ["AWS/ECS", "MemoryUtilization", "ClusterName", d.cluster, "ServiceName", d.service],
        ],
        8,
        9,
      ),
      widget(
        "Database",
        [
          ["AWS/RDS", "CPUUtilization", "DBInstanceIdentifier", d.db],
          ["AWS/RDS", "DatabaseConnections", "DBInstanceIdentifier", d.db, { yAxis: "right" }],
        ],
        16,
        9,
      ),
    ],
  };
}
