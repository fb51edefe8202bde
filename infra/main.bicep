// Referrals function app on Azure Functions Flex Consumption, secured by managed identity.
// Deploys into the resource group of the deployment (az deployment group create):
//   identity.bicep    user-assigned managed identity the app runs as
//   storage.bicep     storage account (no shared keys): host, tables, queues, deployment container
//   monitoring.bicep  Log Analytics + Application Insights (Entra ID auth only)
//   email.bicep       Communication Services + Email Communication Service (Azure-managed domain)
//   keyvault.bicep    Key Vault with the app's secrets (Key Vault references in app settings)
//   roles.bicep       the identity's data-plane roles on storage, Key Vault, Communication
//                     Services and Application Insights
//   functionapp.bicep FC1 plan, Python 3.11 app, app settings, Easy Auth
//   alerts.bicep      action group (alertEmail), alert rules, queue write logs, workbook
// See infra/README.md for the deploy guide. tests/infra checks this against the code.

targetScope = 'resourceGroup'

@description('Short prefix of every resource name (lower-case letters, digits and hyphens).')
@minLength(3)
@maxLength(11)
param namePrefix string = 'referrals'

@description('Azure region of every resource (a region that offers Flex Consumption).')
param location string = resourceGroup().location

@description('Tags applied to every resource.')
param tags object = {
  app: 'referrals'
}

@description('easyauth: App Service Authentication (Entra ID) in front of the app. entra: the app validates Entra ID bearer tokens itself (AUTH_MODE=entra).')
@allowed([
  'easyauth'
  'entra'
])
param authMode string = 'easyauth'

@description('Client (application) id of the API\'s Entra ID app registration. Empty: no identity provider, every API route answers 401 (health and openapi.json stay anonymous).')
param authClientId string = ''

@description('Issuer tenant for Easy Auth: a tenant id, or \'organizations\' for a multi-tenant registration that partners sign in to from their own tenants.')
param authIssuerTenantId string = subscription().tenantId

@description('Comma-separated audiences Easy Auth accepts. Empty: api://<authClientId> and <authClientId>.')
param authAllowedAudiences string = ''

@description('ENTRA_AUDIENCE for entra mode. Empty: api://<authClientId>.')
param entraAudience string = ''

@description('ENTRA_ALLOWED_TENANTS for entra mode: comma-separated tenant ids (empty: any tenant).')
param entraAllowedTenants string = ''

@description('ENTRA_JWKS_URL: the signing keys of entra mode.')
param entraJwksUrl string = '${environment().authentication.loginEndpoint}common/discovery/v2.0/keys'

@description('ENTRA_CLIENT_ID for entra mode: the dashboard\'s app registration (an SPA redirect URI to https://<app>/api/ui). Empty: authClientId.')
param entraClientId string = ''

@description('ENTRA_AUTHORITY for entra mode: where the dashboard signs in.')
param entraAuthority string = '${environment().authentication.loginEndpoint}organizations'

@description('ENTRA_SCOPES for entra mode: space-separated scopes the dashboard asks for (empty: <ENTRA_AUDIENCE>/.default).')
param entraScopes string = ''

@description('REFERRAL_RESPONSE_WINDOW: ISO-8601 duration to accept or decline a referral.')
param referralResponseWindow string = 'P14D'

@description('CONTACT_ALERT_WINDOW: ISO-8601 duration of the urgent contact alert.')
param contactAlertWindow string = 'PT72H'

@description('EXPIRY_SCHEDULE: NCRONTAB (6 fields, seconds first) of the expiry sweep.')
param expirySchedule string = '0 0 2 * * *'

@description('REMINDER_SCHEDULE: NCRONTAB (6 fields, seconds first) of the reminder timer.')
param reminderSchedule string = '0 0 * * * *'

@description('RESPONSE_REMINDER_BEFORE: ISO-8601 duration before expiry when the one reminder goes out.')
param responseReminderBefore string = 'PT48H'

@description('NOTIFICATION_RETRY_DELAY: ISO-8601 duration, the base of the delivery back-off (doubling, with jitter, per failed attempt).')
param notificationRetryDelay string = 'PT1M'

@description('MICROSOFT_NOTIFICATION_URL: webhook for Microsoft (empty: events are recorded undelivered).')
param microsoftNotificationUrl string = ''

@description('CUSTOMER_NOTIFICATION_URL: webhook that informs customers (empty: likewise).')
param customerNotificationUrl string = ''

@description('NOTIFICATION_SIGNING_SECRET: HMAC key of webhook signatures; required when a notification URL is set.')
@secure()
param notificationSigningSecret string = ''

@description('WEBHOOK_SECRETS_KEY: base64 of 32 random bytes sealing partners\' webhook secrets; stored in Key Vault. Empty: partners cannot create webhook secrets.')
@secure()
param webhookSecretsKey string = ''

@description('CONTINUATION_TOKEN_KEY: base64 of at least 32 random bytes signing continuation tokens; stored in Key Vault. Empty: the app derives it from WEBHOOK_SECRETS_KEY (then required).')
@secure()
param continuationTokenKey string = ''

@description('EMAIL_MODE: acs sends the e-mail alerts through the Communication Services deployed here; off records them undeliverable.')
@allowed([
  'acs'
  'off'
])
param emailMode string = 'acs'

@description('Where Communication Services keeps its data (a geography such as Europe or United States).')
param emailDataLocation string = 'Europe'

@description('PUBLIC_BASE_URL: the app\'s public origin (Partner Center callback and webhook URLs), e.g. https://referrals.contoso.example. Empty: https://<function app default host name>.')
param publicBaseUrl string = ''

@description('DASHBOARD_URL: base URL of the dashboard for links in e-mails. Empty: <PUBLIC_BASE_URL>/api/ui.')
param dashboardUrl string = ''

@description('PARTNER_CENTER_CLIENT_ID: the Entra app registration that calls Partner Center for connected partners (infra/scripts/create-partner-center-app.sh). Empty: connecting answers 409 partnerCenterNotConfigured.')
param partnerCenterClientId string = ''

@description('PARTNER_CENTER_CLIENT_SECRET: that registration\'s client secret; stored in Key Vault, the app setting is a Key Vault reference.')
@secure()
param partnerCenterClientSecret string = ''

@description('PARTNER_CENTER_AUTHORITY: identity platform origin Partner Center tokens come from.')
param partnerCenterAuthority string = environment().authentication.loginEndpoint

@description('PARTNER_CENTER_API_URL: the Referrals API base.')
param partnerCenterApiUrl string = 'https://api.partner.microsoft.com/v1.0/engagements'

@description('PARTNER_CENTER_WEBHOOK_API_URL: the webhook registration API base.')
param partnerCenterWebhookApiUrl string = 'https://api.partnercenter.microsoft.com/webhooks/v1'

@description('PARTNER_CENTER_SYNC_SCHEDULE: NCRONTAB (6 fields, seconds first) of the Partner Center sync timer.')
param partnerCenterSyncSchedule string = '0 */15 * * * *'

@description('PARTNER_CENTER_IMPORT_WINDOW: ISO-8601 duration, how far back the first import reaches.')
param partnerCenterImportWindow string = 'P90D'

@description('PARTNER_CENTER_CERT_URL_PREFIXES: comma-separated URL prefixes event signing certificates may come from. Empty: the app\'s default, Partner Center\'s certificate store (kept out of the template: the linter refuses a fixed cloud host).')
param partnerCenterCertUrlPrefixes string = ''

@description('PARTNER_CENTER_MAX_RPS: Partner Center requests per second per partner.')
param partnerCenterMaxRps string = '5'

@description('PERSONAL_DATA_RETENTION: ISO-8601 duration archived referrals keep personal data.')
param personalDataRetention string = 'P2Y'

@description('E-mail address the alerts go to (the action group\'s receiver). Empty: the alerts fire in the portal only.')
param alertEmail string = ''

@description('HTTP 5xx alert: percentage of requests answered 5xx in 15 minutes above which it fires.')
@minValue(1)
@maxValue(100)
param http5xxPercentThreshold int = 5

@description('Upper bound of instances the Flex Consumption plan scales out to.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Memory of each instance, in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Days Log Analytics keeps logs.')
@minValue(30)
@maxValue(730)
param logRetentionInDays int = 30

// The app's storage, exactly as the code names it: the TABLES of shared/storage/layout/keys.py
// and shared/partner_center/store.py's table; the QUEUES of shared/notifications/queue.py,
// shared/storage/tables/sweep_queue.py and shared/partner_center/work_queue.py
// (tests/infra/test_storage_drift.py checks both ways). Every `-poison` queue is watched by
// the poison-queue alert (alerts.bicep).
var tableNames = [
  'Referrals'
  'Profiles'
  'ExpiryIndex'
  'OutboxIndex'
  'ReminderIndex'
  'Repeatability'
  'PartnerCenter'
]
var queueNames = [
  'notifications'
  'notifications-poison'
  'sweep-batches'
  'sweep-batches-poison'
  'partner-center-sync'
  'partner-center-sync-poison'
]

var prefix = toLower(namePrefix)
var token = toLower(uniqueString(subscription().id, resourceGroup().id, prefix))
var names = {
  identity: 'id-${prefix}-${token}'
  storage: take('st${replace(prefix, '-', '')}${token}', 24)
  plan: 'plan-${prefix}-${token}'
  functionApp: 'func-${prefix}-${token}'
  logAnalytics: 'log-${prefix}-${token}'
  appInsights: 'appi-${prefix}-${token}'
  keyVault: take('kv-${prefix}-${token}', 24)
  communication: 'acs-${prefix}-${token}'
  emailService: 'ecs-${prefix}-${token}'
  actionGroup: 'ag-${prefix}-${token}'
  alert: 'alert-${prefix}-${token}'
}
// The app's origin. Without a custom one it is the function app's default host name, which
// is <name>.azurewebsites.net as long as the site does not opt in to unique default host
// names (autoGeneratedDomainNameLabelScope, not set in functionapp.bicep); deploy.yml checks
// it against the deployed host name.
var defaultPublicBaseUrl = 'https://${names.functionApp}.azurewebsites.net'
var appPublicBaseUrl = empty(publicBaseUrl) ? defaultPublicBaseUrl : publicBaseUrl
var deploymentContainerName = 'app-package'

var defaultAudiences = empty(authClientId) ? [] : [
  'api://${authClientId}'
  authClientId
]
var listedAudiences = filter(map(split(authAllowedAudiences, ','), a => trim(a)), a => !empty(a))
var audiences = empty(listedAudiences) ? defaultAudiences : listedAudiences

module identity 'modules/identity.bicep' = {
  name: 'identity'
  params: {
    name: names.identity
    location: location
    tags: tags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    name: names.storage
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
    tableNames: tableNames
    queueNames: queueNames
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    logAnalyticsName: names.logAnalytics
    applicationInsightsName: names.appInsights
    location: location
    tags: tags
    retentionInDays: logRetentionInDays
  }
}

module email 'modules/email.bicep' = {
  name: 'email'
  params: {
    communicationName: names.communication
    emailServiceName: names.emailService
    dataLocation: emailDataLocation
    tags: tags
  }
}

module roles 'modules/roles.bicep' = {
  name: 'roles'
  params: {
    storageAccountName: storage.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    keyVaultName: keyVault.outputs.name
    communicationName: email.outputs.name
    principalId: identity.outputs.principalId
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  params: {
    name: names.keyVault
    location: location
    tags: tags
    webhookSecretsKey: webhookSecretsKey
    partnerCenterClientSecret: partnerCenterClientSecret
    continuationTokenKey: continuationTokenKey
    hasWebhookSecretsKey: !empty(webhookSecretsKey)
    hasContinuationTokenKey: !empty(continuationTokenKey)
    hasPartnerCenterClientSecret: !empty(partnerCenterClientSecret)
  }
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionapp'
  // The host must find its storage and telemetry roles in place when it first starts.
  dependsOn: [
    roles
  ]
  params: {
    name: names.functionApp
    planName: names.plan
    location: location
    tags: tags
    storageAccountName: storage.outputs.name
    deploymentContainerName: storage.outputs.deploymentContainerName
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    authMode: authMode
    authClientId: authClientId
    authIssuerTenantId: authIssuerTenantId
    authAllowedAudiences: audiences
    entraAudience: empty(entraAudience) && !empty(authClientId) ? 'api://${authClientId}' : entraAudience
    entraAllowedTenants: entraAllowedTenants
    entraJwksUrl: entraJwksUrl
    entraClientId: empty(entraClientId) ? authClientId : entraClientId
    entraAuthority: entraAuthority
    entraScopes: entraScopes
    referralResponseWindow: referralResponseWindow
    contactAlertWindow: contactAlertWindow
    expirySchedule: expirySchedule
    reminderSchedule: reminderSchedule
    responseReminderBefore: responseReminderBefore
    notificationRetryDelay: notificationRetryDelay
    microsoftNotificationUrl: microsoftNotificationUrl
    customerNotificationUrl: customerNotificationUrl
    notificationSigningSecret: notificationSigningSecret
    webhookSecretsKeyReference: keyVault.outputs.webhookSecretsKeyReference
    continuationTokenKeyReference: keyVault.outputs.continuationTokenKeyReference
    emailMode: emailMode
    emailSender: email.outputs.senderAddress
    acsEmailEndpoint: email.outputs.endpoint
    dashboardUrl: empty(dashboardUrl) ? '${appPublicBaseUrl}/api/ui' : dashboardUrl
    publicBaseUrl: appPublicBaseUrl
    partnerCenterClientId: partnerCenterClientId
    partnerCenterClientSecretReference: keyVault.outputs.partnerCenterCredentialReference
    partnerCenterAuthority: partnerCenterAuthority
    partnerCenterApiUrl: partnerCenterApiUrl
    partnerCenterWebhookApiUrl: partnerCenterWebhookApiUrl
    partnerCenterSyncSchedule: partnerCenterSyncSchedule
    partnerCenterImportWindow: partnerCenterImportWindow
    partnerCenterCertUrlPrefixes: partnerCenterCertUrlPrefixes
    partnerCenterMaxRps: partnerCenterMaxRps
    personalDataRetention: personalDataRetention
  }
}

module alerts 'modules/alerts.bicep' = {
  name: 'alerts'
  params: {
    actionGroupName: names.actionGroup
    alertPrefix: names.alert
    location: location
    tags: tags
    alertEmail: alertEmail
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    logAnalyticsName: monitoring.outputs.logAnalyticsName
    storageAccountName: storage.outputs.name
    poisonQueueNames: filter(queueNames, q => endsWith(q, '-poison'))
    http5xxPercentThreshold: http5xxPercentThreshold
  }
}

output functionAppName string = functionApp.outputs.name
output functionAppHostName string = functionApp.outputs.defaultHostName
output storageAccountName string = storage.outputs.name
output authMode string = authMode
// Upper case: azd keeps outputs in its environment under their names, so the next
// `azd provision` passes the same value back as PUBLIC_BASE_URL (main.parameters.json).
output PUBLIC_BASE_URL string = appPublicBaseUrl
output partnerCenterRedirectUri string = '${appPublicBaseUrl}/api/partner-center/callback'
