// The Flex Consumption (FC1) plan and the Python 3.11 function app, its app settings (every
// setting the app reads, listed in docs/settings.md; tests/infra checks this against shared/settings.py),
// and App Service Authentication (Easy Auth) when authMode is 'easyauth'.

@description('Function app name.')
param name string

@description('Flex Consumption plan name.')
param planName string

@description('Azure region.')
param location string

@description('Tags applied to the resources.')
param tags object

@description('Storage account for the host, the app data and the deployment package.')
param storageAccountName string

@description('Blob container the deployment package goes to.')
param deploymentContainerName string

@description('Resource id of the user-assigned managed identity the app runs as.')
param identityId string

@description('Client id of that identity (identity-based connections pick it with it).')
param identityClientId string

@description('Application Insights component name.')
param applicationInsightsName string

@description('Upper bound of instances the plan scales out to.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int

@description('Memory of each instance, in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int

@description('easyauth: App Service Authentication in front of the app; entra: the app validates bearer tokens itself.')
@allowed([
  'easyauth'
  'entra'
])
param authMode string

@description('Client (application) id of the API\'s Entra ID app registration; empty leaves every API route answering 401.')
param authClientId string

@description('Tenant whose issuer Easy Auth accepts (a tenant id, or \'common\' / \'organizations\' for a multi-tenant app).')
param authIssuerTenantId string

@description('Token audiences Easy Auth accepts.')
param authAllowedAudiences array

@description('ENTRA_AUDIENCE: the aud the app expects in entra mode.')
param entraAudience string

@description('ENTRA_ALLOWED_TENANTS: comma-separated tenant ids allowed in entra mode (empty: any).')
param entraAllowedTenants string

@description('ENTRA_JWKS_URL: signing keys for entra mode.')
param entraJwksUrl string

@description('ENTRA_CLIENT_ID: the dashboard\'s app registration (MSAL.js sign-in) in entra mode.')
param entraClientId string

@description('ENTRA_AUTHORITY: the authority the dashboard signs in with in entra mode.')
param entraAuthority string

@description('ENTRA_SCOPES: scopes the dashboard asks for in entra mode (empty: <ENTRA_AUDIENCE>/.default).')
param entraScopes string

@description('REFERRAL_RESPONSE_WINDOW (ISO-8601 duration).')
param referralResponseWindow string

@description('CONTACT_ALERT_WINDOW (ISO-8601 duration).')
param contactAlertWindow string

@description('EXPIRY_SCHEDULE (NCRONTAB, 6 fields).')
param expirySchedule string

@description('REMINDER_SCHEDULE (NCRONTAB, 6 fields).')
param reminderSchedule string

@description('RESPONSE_REMINDER_BEFORE (ISO-8601 duration).')
param responseReminderBefore string

@description('NOTIFICATION_RETRY_DELAY (ISO-8601 duration): the delivery back-off base.')
param notificationRetryDelay string

@description('MICROSOFT_NOTIFICATION_URL (empty: events are recorded undelivered).')
param microsoftNotificationUrl string

@description('CUSTOMER_NOTIFICATION_URL (empty: events are recorded undelivered).')
param customerNotificationUrl string

@description('NOTIFICATION_SIGNING_SECRET: HMAC key of webhook signatures.')
@secure()
param notificationSigningSecret string

@description('WEBHOOK_SECRETS_KEY as a Key Vault reference (@Microsoft.KeyVault(SecretUri=...)), resolved with the app identity.')
param webhookSecretsKeyReference string

@description('CONTINUATION_TOKEN_KEY as a Key Vault reference; empty: the app derives it from WEBHOOK_SECRETS_KEY.')
param continuationTokenKeyReference string

@description('EMAIL_MODE: acs or off.')
param emailMode string

@description('EMAIL_SENDER: the From address (the Azure-managed domain\'s DoNotReply address).')
param emailSender string

@description('ACS_EMAIL_ENDPOINT: the Communication Services endpoint.')
param acsEmailEndpoint string

@description('DASHBOARD_URL: base URL for links in e-mails (empty: no link).')
param dashboardUrl string

@description('PUBLIC_BASE_URL: the app\'s public origin (Partner Center callback and webhook URLs).')
param publicBaseUrl string

@description('PARTNER_CENTER_CLIENT_ID: the app registration that calls Partner Center (empty: not configured).')
param partnerCenterClientId string

@description('PARTNER_CENTER_CLIENT_SECRET as a Key Vault reference, resolved with the app identity.')
param partnerCenterClientSecretReference string

@description('PARTNER_CENTER_AUTHORITY: identity platform origin.')
param partnerCenterAuthority string

@description('PARTNER_CENTER_API_URL: Referrals API base.')
param partnerCenterApiUrl string

@description('PARTNER_CENTER_WEBHOOK_API_URL: webhook registration API base.')
param partnerCenterWebhookApiUrl string

@description('PARTNER_CENTER_SYNC_SCHEDULE (NCRONTAB, 6 fields).')
param partnerCenterSyncSchedule string

@description('PARTNER_CENTER_IMPORT_WINDOW (ISO-8601 duration).')
param partnerCenterImportWindow string

@description('PARTNER_CENTER_CERT_URL_PREFIXES: allowed event certificate URL prefixes.')
param partnerCenterCertUrlPrefixes string

@description('PARTNER_CENTER_MAX_RPS: requests per second per partner.')
param partnerCenterMaxRps string

@description('PERSONAL_DATA_RETENTION (ISO-8601 duration, or none).')
param personalDataRetention string

var storageSuffix = environment().suffixes.storage
var easyAuth = authMode == 'easyauth'

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

// No connection string and no key: the host and the app reach storage with the managed
// identity (credential + clientId), by account name and explicit service URIs.
var appSettings = [
  {
    name: 'AzureWebJobsStorage__accountName'
    value: storageAccountName
  }
  {
    name: 'AzureWebJobsStorage__credential'
    value: 'managedidentity'
  }
  {
    name: 'AzureWebJobsStorage__clientId'
    value: identityClientId
  }
  {
    name: 'AzureWebJobsStorage__blobServiceUri'
    value: 'https://${storageAccountName}.blob.${storageSuffix}'
  }
  {
    name: 'AzureWebJobsStorage__queueServiceUri'
    value: 'https://${storageAccountName}.queue.${storageSuffix}'
  }
  {
    name: 'AzureWebJobsStorage__tableServiceUri'
    value: 'https://${storageAccountName}.table.${storageSuffix}'
  }
  {
    name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
    value: appInsights.properties.ConnectionString
  }
  {
    name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING'
    value: 'ClientId=${identityClientId};Authorization=AAD'
  }
  {
    name: 'REFERRAL_RESPONSE_WINDOW'
    value: referralResponseWindow
  }
  {
    name: 'CONTACT_ALERT_WINDOW'
    value: contactAlertWindow
  }
  {
    name: 'EXPIRY_SCHEDULE'
    value: expirySchedule
  }
  {
    name: 'REMINDER_SCHEDULE'
    value: reminderSchedule
  }
  {
    name: 'RESPONSE_REMINDER_BEFORE'
    value: responseReminderBefore
  }
  {
    name: 'NOTIFICATION_RETRY_DELAY'
    value: notificationRetryDelay
  }
  {
    name: 'MICROSOFT_NOTIFICATION_URL'
    value: microsoftNotificationUrl
  }
  {
    name: 'CUSTOMER_NOTIFICATION_URL'
    value: customerNotificationUrl
  }
  {
    name: 'NOTIFICATION_SIGNING_SECRET'
    value: notificationSigningSecret
  }
  {
    name: 'WEBHOOK_SECRETS_KEY'
    value: webhookSecretsKeyReference
  }
  {
    name: 'CONTINUATION_TOKEN_KEY'
    value: continuationTokenKeyReference
  }
  {
    name: 'EMAIL_MODE'
    value: emailMode
  }
  {
    name: 'EMAIL_SENDER'
    value: emailSender
  }
  {
    name: 'ACS_EMAIL_ENDPOINT'
    value: acsEmailEndpoint
  }
  {
    name: 'DASHBOARD_URL'
    value: dashboardUrl
  }
  {
    name: 'PUBLIC_BASE_URL'
    value: publicBaseUrl
  }
  {
    name: 'PARTNER_CENTER_CLIENT_ID'
    value: partnerCenterClientId
  }
  {
    name: 'PARTNER_CENTER_CLIENT_SECRET'
    value: partnerCenterClientSecretReference
  }
  {
    name: 'PARTNER_CENTER_AUTHORITY'
    value: partnerCenterAuthority
  }
  {
    name: 'PARTNER_CENTER_API_URL'
    value: partnerCenterApiUrl
  }
  {
    name: 'PARTNER_CENTER_WEBHOOK_API_URL'
    value: partnerCenterWebhookApiUrl
  }
  {
    name: 'PARTNER_CENTER_SYNC_SCHEDULE'
    value: partnerCenterSyncSchedule
  }
  {
    name: 'PARTNER_CENTER_IMPORT_WINDOW'
    value: partnerCenterImportWindow
  }
  {
    name: 'PARTNER_CENTER_CERT_URL_PREFIXES'
    value: partnerCenterCertUrlPrefixes
  }
  {
    name: 'PARTNER_CENTER_MAX_RPS'
    value: partnerCenterMaxRps
  }
  {
    name: 'PERSONAL_DATA_RETENTION'
    value: personalDataRetention
  }
  {
    name: 'AUTH_MODE'
    value: authMode
  }
  {
    name: 'ENTRA_AUDIENCE'
    value: easyAuth ? '' : entraAudience
  }
  {
    name: 'ENTRA_JWKS_URL'
    value: entraJwksUrl
  }
  {
    name: 'ENTRA_ALLOWED_TENANTS'
    value: easyAuth ? '' : entraAllowedTenants
  }
  {
    name: 'ENTRA_CLIENT_ID'
    value: easyAuth ? '' : entraClientId
  }
  {
    name: 'ENTRA_AUTHORITY'
    value: entraAuthority
  }
  {
    name: 'ENTRA_SCOPES'
    value: easyAuth ? '' : entraScopes
  }
]

// The Entra ID provider of Easy Auth, for the API's app registration.
var entraIdProvider = {
  azureActiveDirectory: {
    enabled: true
    registration: {
      clientId: authClientId
      openIdIssuer: '${environment().authentication.loginEndpoint}${authIssuerTenantId}/v2.0'
    }
    validation: {
      allowedAudiences: authAllowedAudiences
    }
  }
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

// `azd deploy` finds the app to deploy the `api` service (azure.yaml) to by this tag.
resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, {
    'azd-service-name': 'api'
  })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Key Vault references (WEBHOOK_SECRETS_KEY, CONTINUATION_TOKEN_KEY,
    // PARTNER_CENTER_CLIENT_SECRET) resolve with the user-assigned identity.
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      appSettings: appSettings
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'python'
        version: '3.11'
      }
    }
  }
}

// Deployments authenticate with Entra ID (the workflow's OIDC login), never with basic auth.
resource ftpBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: functionApp
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: functionApp
  name: 'scm'
  properties: {
    allow: false
  }
}

// Always deployed, enabled only for easyauth, so that switching authMode either way is a
// plain redeploy. With the platform enabled every route needs a signed-in caller (401
// otherwise) except the anonymous ones (the routes with no security in the OpenAPI
// document: health, the API description, the dashboard's static page, which then signs in
// through /.auth/login; the Partner Center sign-in callback, whose single-use state is the
// proof; Partner Center's events, verified by their RSA signature; the commercial
// marketplace's lead posts, whose URL carries the partner's endpoint key). The app still authenticates every API call itself. Without an app
// registration (authClientId empty) no provider is configured: the API fails closed (401).
resource authSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: functionApp
  name: 'authsettingsV2'
  properties: {
    platform: {
      enabled: easyAuth
      runtimeVersion: '~1'
    }
    globalValidation: {
      requireAuthentication: true
      unauthenticatedClientAction: 'Return401'
      excludedPaths: [
        '/api/health'
        '/api/openapi.json'
        '/api/ui'
        '/api/ui/*'
        '/api/partner-center/callback'
        '/api/partner-center/events/*'
        '/api/marketplace/leads/*'
      ]
    }
    httpSettings: {
      requireHttps: true
      forwardProxy: {
        convention: 'NoProxy'
      }
    }
    identityProviders: empty(authClientId) ? {} : entraIdProvider
    login: {
      tokenStore: {
        enabled: false
      }
    }
  }
}

output name string = functionApp.name
output defaultHostName string = functionApp.properties.defaultHostName
