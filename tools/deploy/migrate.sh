#!/usr/bin/env bash
# Phase 2 of a deploy (docs/database-identity.md#the-deploy-pipeline): run the stack's migrator once and wait
# for it, between the `pulumi up` that registered it (everything but the API service / app) and the full
# `pulumi up` that moves the API to the new image. Exits non-zero, failing the deploy, when the migrator fails,
# cannot start, or does not finish within MIGRATION_TIMEOUT_SECONDS (the spec's migration.timeoutSeconds).
#
#   MIGRATION_TARGET="$(pulumi stack output migration --json --stack <org/stack>)" tools/deploy/migrate.sh
#
# MIGRATION_TARGET is the stack output `migration` (infra/outputs.ts MigrationTarget); deploy.yml reads it in a
# step of its own, the only one here with the Pulumi token:
#   aws:   aws ecs run-task (Fargate, the output's private subnets and security groups, no public IP), then
#          aws ecs wait tasks-stopped, then the migrator container's exit code (0 or the deploy fails)
#   azure: az containerapp job start, then the execution's status until Succeeded (or Failed/Stopped/Degraded)
# Needs jq and the cloud's CLI with the job's credentials (OIDC), as in deploy.yml.
set -euo pipefail

target="${MIGRATION_TARGET:?set MIGRATION_TARGET to the stack output migration (pulumi stack output migration --json)}"
timeout_seconds="${MIGRATION_TIMEOUT_SECONDS:-600}"
poll_seconds="${MIGRATION_POLL_SECONDS:-10}"

fail() {
  echo "::error::migration: $*"
  exit 1
}

field() { jq -er --arg key "$1" '.[$key] | select(. != null and . != "")' <<<"$target"; }
cloud="$(field cloud)" || fail "the stack output migration names no cloud: ${target}"

case "$cloud" in
aws)
  cluster="$(field cluster)" || fail "no cluster in ${target}"
  definition="$(field taskDefinitionArn)" || fail "no taskDefinitionArn in ${target}"
  container="$(field containerName)" || fail "no containerName in ${target}"
  network="$(jq -ce '{awsvpcConfiguration: {subnets: .subnetIds, securityGroups: .securityGroupIds, assignPublicIp: "DISABLED"}}
    | select((.awsvpcConfiguration.subnets | length) > 0 and (.awsvpcConfiguration.securityGroups | length) > 0)' <<<"$target")" ||
    fail "no subnets or security groups in ${target}"
  task="$(aws ecs run-task --cluster "$cluster" --task-definition "$definition" --launch-type FARGATE \
    --network-configuration "$network" --started-by "deploy-${GITHUB_RUN_ID:-local}" \
    --query 'tasks[0].taskArn' --output text)" || fail "aws ecs run-task failed"
  if [ -z "$task" ] || [ "$task" = None ]; then fail "aws ecs run-task started no task (${definition})"; fi
  echo "migrator task ${task} (${definition}) started; waiting up to ${timeout_seconds} s"
  if ! timeout "$timeout_seconds" aws ecs wait tasks-stopped --cluster "$cluster" --tasks "$task"; then
    aws ecs stop-task --cluster "$cluster" --task "$task" --reason "deploy: migration timed out" >/dev/null || true
    fail "task ${task} did not stop within ${timeout_seconds} s (stopped it)"
  fi
  code="$(aws ecs describe-tasks --cluster "$cluster" --tasks "$task" \
    --query "tasks[0].containers[?name=='${container}'].exitCode | [0]" --output text)"
  if [ "$code" != 0 ]; then
    reason="$(aws ecs describe-tasks --cluster "$cluster" --tasks "$task" --query 'tasks[0].stoppedReason' --output text || true)"
    fail "container ${container} of task ${task} exited with ${code} (${reason}); its log: the API's log group, stream prefix ${container}/"
  fi
  echo "migrator task ${task}: container ${container} exited 0"
  ;;
azure)
  group="$(field resourceGroup)" || fail "no resourceGroup in ${target}"
  job="$(field jobName)" || fail "no jobName in ${target}"
  execution="$(az containerapp job start --name "$job" --resource-group "$group" --query name --output tsv)" ||
    fail "az containerapp job start failed"
  [ -n "$execution" ] || fail "az containerapp job start named no execution"
  echo "migration job ${job}: execution ${execution} started; waiting up to ${timeout_seconds} s"
  deadline=$((SECONDS + timeout_seconds))
  while :; do
    status="$(az containerapp job execution show --name "$job" --resource-group "$group" \
      --job-execution-name "$execution" --query properties.status --output tsv)" || status=Unknown
    case "$status" in
    Succeeded)
      echo "migration job ${job}: execution ${execution} succeeded"
      break
      ;;
    Failed | Stopped | Degraded)
      fail "execution ${execution} of job ${job} is ${status}; its log is in the stack's Log Analytics workspace (ContainerAppConsoleLogs_CL, ContainerJobName_s == \"${job}\"; docs/deploy-azure.md)"
      ;;
    esac
    if [ "$SECONDS" -ge "$deadline" ]; then
      az containerapp job stop --name "$job" --resource-group "$group" --job-execution-name "$execution" >/dev/null || true
      fail "execution ${execution} of job ${job} did not finish within ${timeout_seconds} s (last status ${status}; stopped it)"
    fi
    sleep "$poll_seconds"
  done
  ;;
*)
  fail "unknown cloud ${cloud} in the stack output migration"
  ;;
esac
