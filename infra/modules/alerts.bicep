// What an operator is told, and where they look (contract section 12): an action group that
// e-mails `alertEmail`, five log alert rules, and a workbook of the same figures.
//
// Sources:
//  - Poison queues: every message put on a `-poison` queue, by the Functions host (past
//    maxDequeueCount) or by the app itself (a delivery whose retries are exhausted), appears in
//    the storage account's queue write log (StorageQueueLogs), which the diagnostic setting
//    below sends to the Log Analytics workspace. Storage metrics have no per-queue dimension,
//    so a metric alert could not tell a poison queue from a busy one.
//  - HTTP 5xx: the `requests` the Functions host records in Application Insights.
//  - The rest are the app's own OpenTelemetry metrics (shared/telemetry/metrics.py), exported by
//    the Azure Monitor distro to Application Insights `customMetrics` with their attributes as
//    customDimensions:
//      referrals.deliveries {destination, result}     one per delivery attempt
//      partner_center.sync {result}                   one per Partner Center sync
//      partner_center.connection.reconnect_required   one per connection found needing a new
//                                                     sign-in (refresh token refused)
//    plus referrals.received, referrals.answered {outcome} and referrals.expired for the
//    workbook. The app emits them; renaming one there without changing it here silences an
//    alert (tests/infra/test_alerts.py compares the names with the code).

@description('Action group name.')
param actionGroupName string

@description('Prefix of the alert rule names.')
param alertPrefix string

@description('Azure region of the alert rules and the workbook.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('E-mail address the alerts go to. Empty: no receiver, the alerts show in the portal only.')
param alertEmail string

@description('Application Insights component the app reports to.')
param applicationInsightsName string

@description('Log Analytics workspace behind it.')
param logAnalyticsName string

@description('Storage account holding the app\'s queues.')
param storageAccountName string

@description('Every poison queue the app has (main.bicep: the queue names ending in -poison).')
param poisonQueueNames array

@description('Percentage of requests answered 5xx in 15 minutes above which the HTTP alert fires.')
param http5xxPercentThreshold int

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' existing = {
  name: logAnalyticsName
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' existing = {
  parent: storage
  name: 'default'
}

// Write operations only (PutMessage, DeleteMessage, UpdateMessage): the host's polling reads
// are not logged, so the volume follows the messages the app sends.
resource queueWriteLog 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'queue-writes-to-log-analytics'
  scope: queueService
  properties: {
    workspaceId: workspace.id
    logs: [
      {
        category: 'StorageWrite'
        enabled: true
      }
    ]
  }
}

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: actionGroupName
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'referrals'
    enabled: true
    emailReceivers: empty(alertEmail) ? [] : [
      {
        name: 'operator'
        emailAddress: alertEmail
        useCommonAlertSchema: true
      }
    ]
  }
}

var poisonQuery = format('''
StorageQueueLogs
| where AccountName == "{0}" and OperationName == "PutMessage" and toint(StatusCode) < 300
| extend queue = tostring(split(tostring(parse_url(Uri).Path), "/")[1])
| where queue in (dynamic({1}))
| summarize messages = count() by queue
''', storageAccountName, string(poisonQueueNames))

var http5xxQuery = '''
requests
| summarize total = count(), failed = countif(toint(resultCode) >= 500)
| where total >= 20
| extend percent = 100.0 * failed / total
'''

var failedDeliveriesQuery = '''
customMetrics
| where name == "referrals.deliveries" and tostring(customDimensions.result) == "failed"
| extend destination = tostring(customDimensions.destination)
| summarize failed = sum(valueSum) by destination
'''

var syncFailuresQuery = '''
customMetrics
| where name == "partner_center.sync" and tostring(customDimensions.result) == "failed"
| summarize failed = sum(valueSum)
'''

var reconnectQuery = '''
customMetrics
| where name == "partner_center.connection.reconnect_required"
| summarize connections = sum(valueSum)
'''

// One entry per alert rule: the query returns a number (measure) per row; the rule fires
// when its total (or maximum) over the window exceeds the threshold, per dimension value.
var rules = [
  {
    key: 'poison-queue'
    displayName: 'Referrals: messages in a poison queue'
    description: 'A message was parked on a -poison queue (a delivery, sweep batch or Partner Center sync that failed every attempt). Inspect the queue, fix the cause, and redeliver or re-enqueue.'
    severity: 1
    scope: workspace.id
    query: poisonQuery
    measure: 'messages'
    aggregation: 'Total'
    threshold: 0
    dimensions: [
      'queue'
    ]
    frequency: 'PT15M'
    window: 'PT15M'
  }
  {
    key: 'http-5xx'
    displayName: 'Referrals: HTTP 5xx rate'
    description: 'More than the threshold percentage of requests answered 5xx over 15 minutes (with at least 20 requests).'
    severity: 1
    scope: appInsights.id
    query: http5xxQuery
    measure: 'percent'
    aggregation: 'Maximum'
    threshold: http5xxPercentThreshold
    dimensions: []
    frequency: 'PT5M'
    window: 'PT15M'
  }
  {
    key: 'failed-deliveries'
    displayName: 'Referrals: failed deliveries'
    description: 'Notification deliveries failed (referrals.deliveries with result failed), per destination. GET /api/notifications?state=failed lists them.'
    severity: 2
    scope: appInsights.id
    query: failedDeliveriesQuery
    measure: 'failed'
    aggregation: 'Total'
    threshold: 0
    dimensions: [
      'destination'
    ]
    frequency: 'PT15M'
    window: 'PT15M'
  }
  {
    key: 'partner-center-sync'
    displayName: 'Referrals: Partner Center syncs failing'
    description: 'Partner Center syncs ended failed (partner_center.sync with result failed). GET /api/partner-center/connection shows the last sync and its error.'
    severity: 2
    scope: appInsights.id
    query: syncFailuresQuery
    measure: 'failed'
    aggregation: 'Total'
    threshold: 0
    dimensions: []
    frequency: 'PT15M'
    window: 'PT15M'
  }
  {
    key: 'partner-center-reconnect'
    displayName: 'Referrals: Partner Center connection needs reconnecting'
    description: 'A partner\'s Partner Center refresh token was refused: its Partner Center work waits until an admin connects again from the dashboard.'
    severity: 2
    scope: appInsights.id
    query: reconnectQuery
    measure: 'connections'
    aggregation: 'Total'
    threshold: 0
    dimensions: []
    frequency: 'PT15M'
    window: 'PT15M'
  }
]

resource alertRules 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = [
  for rule in rules: {
    name: '${alertPrefix}-${rule.key}'
    location: location
    tags: tags
    kind: 'LogAlert'
    properties: {
      displayName: rule.displayName
      description: rule.description
      severity: rule.severity
      enabled: true
      scopes: [
        rule.scope
      ]
      evaluationFrequency: rule.frequency
      windowSize: rule.window
      criteria: {
        allOf: [
          {
            query: rule.query
            timeAggregation: rule.aggregation
            metricMeasureColumn: rule.measure
            operator: 'GreaterThan'
            threshold: rule.threshold
            dimensions: [
              for dimension in rule.dimensions: {
                name: dimension
                operator: 'Include'
                values: [
                  '*'
                ]
              }
            ]
            failingPeriods: {
              numberOfEvaluationPeriods: 1
              minFailingPeriodsToAlert: 1
            }
          }
        ]
      }
      autoMitigate: true
      actions: {
        actionGroups: [
          actionGroup.id
        ]
      }
    }
  }
]

// The workbook: the same figures over a chosen time range, on the Application Insights
// component (the poison-queue chart reads the workspace).
var timeRangeParameter = {
  type: 9
  name: 'parameters'
  content: {
    version: 'KqlParameterItem/1.0'
    parameters: [
      {
        id: guid('referrals-workbook-time-range')
        version: 'KqlParameterItem/1.0'
        name: 'TimeRange'
        label: 'Time range'
        type: 4
        isRequired: true
        value: {
          durationMs: 86400000
        }
        typeSettings: {
          selectableValues: [
            {
              durationMs: 3600000
            }
            {
              durationMs: 86400000
            }
            {
              durationMs: 604800000
            }
            {
              durationMs: 2592000000
            }
          ]
        }
      }
    ]
  }
}

var charts = [
  {
    name: 'referrals'
    title: 'Referrals received, answered (by outcome) and expired'
    query: 'customMetrics | where name in ("referrals.received", "referrals.answered", "referrals.expired") | extend series = iff(name == "referrals.answered", strcat("answered: ", tostring(customDimensions.outcome)), name) | summarize count = sum(valueSum) by series, bin(timestamp, 1h) | render timechart'
    resource: appInsights.id
    resourceType: 'microsoft.insights/components'
  }
  {
    name: 'deliveries'
    title: 'Deliveries by destination and result'
    query: 'customMetrics | where name == "referrals.deliveries" | extend destination = tostring(customDimensions.destination), result = tostring(customDimensions.result) | summarize attempts = sum(valueSum) by destination, result | order by destination asc, result asc'
    resource: appInsights.id
    resourceType: 'microsoft.insights/components'
  }
  {
    name: 'failed-deliveries'
    title: 'Failed deliveries'
    query: 'customMetrics | where name == "referrals.deliveries" and tostring(customDimensions.result) == "failed" | summarize failed = sum(valueSum) by destination = tostring(customDimensions.destination), bin(timestamp, 1h) | render timechart'
    resource: appInsights.id
    resourceType: 'microsoft.insights/components'
  }
  {
    name: 'partner-center-sync'
    title: 'Partner Center syncs by result'
    query: 'customMetrics | where name == "partner_center.sync" | summarize syncs = sum(valueSum) by result = tostring(customDimensions.result), bin(timestamp, 1h) | render timechart'
    resource: appInsights.id
    resourceType: 'microsoft.insights/components'
  }
  {
    name: 'partner-center-reconnect'
    title: 'Partner Center connections found needing reconnection'
    query: 'customMetrics | where name == "partner_center.connection.reconnect_required" | summarize connections = sum(valueSum) by bin(timestamp, 1h) | render timechart'
    resource: appInsights.id
    resourceType: 'microsoft.insights/components'
  }
  {
    name: 'http-5xx'
    title: 'HTTP requests and 5xx rate'
    query: 'requests | summarize requests = count(), percent5xx = 100.0 * countif(toint(resultCode) >= 500) / count() by bin(timestamp, 15m) | render timechart'
    resource: appInsights.id
    resourceType: 'microsoft.insights/components'
  }
  {
    name: 'poison-queues'
    title: 'Messages put on poison queues'
    query: format('StorageQueueLogs | where AccountName == "{0}" and OperationName == "PutMessage" and toint(StatusCode) < 300 | extend queue = tostring(split(tostring(parse_url(Uri).Path), "/")[1]) | where queue in (dynamic({1})) | summarize messages = count() by queue, bin(TimeGenerated, 1h) | render timechart', storageAccountName, string(poisonQueueNames))
    resource: workspace.id
    resourceType: 'microsoft.operationalinsights/workspaces'
  }
]

var chartItems = [
  for chart in charts: {
    type: 3
    name: chart.name
    content: {
      version: 'KqlItem/1.0'
      title: chart.title
      query: chart.query
      size: 0
      queryType: 0
      timeContextFromParameter: 'TimeRange'
      resourceType: chart.resourceType
      crossComponentResources: [
        chart.resource
      ]
    }
  }
]

var workbookContent = {
  version: 'Notebook/1.0'
  items: concat([
    {
      type: 1
      name: 'intro'
      content: {
        json: '## Referrals operations\nThe figures the alerts watch: the app\'s OpenTelemetry metrics (customMetrics), the HTTP requests, and the messages parked on poison queues.'
      }
    }
    timeRangeParameter
  ], chartItems)
  fallbackResourceIds: [
    appInsights.id
  ]
}

resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  name: guid(resourceGroup().id, alertPrefix, 'operations-workbook')
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: 'Referrals operations'
    category: 'workbook'
    sourceId: appInsights.id
    serializedData: string(workbookContent)
  }
}

output actionGroupId string = actionGroup.id
output workbookId string = workbook.id
