// Minimal Medusa 2.21 configuration for medusa-sync's integration test server.
// Plain JS on purpose: no ts-node needed. All values come from the environment,
// which scripts/medusa-server sets (see README.md in this folder).
const { defineConfig } = require("@medusajs/framework/utils")

const required = (name) => {
  const value = process.env[name]
  if (!value) {
    throw new Error(`medusa-config.js: environment variable ${name} is not set (use scripts/medusa-server)`)
  }
  return value
}

const cors = process.env.MEDUSA_CORS || "http://127.0.0.1"

module.exports = defineConfig({
  projectConfig: {
    databaseUrl: required("DATABASE_URL"),
    http: {
      storeCors: process.env.STORE_CORS || cors,
      adminCors: process.env.ADMIN_CORS || cors,
      authCors: process.env.AUTH_CORS || cors,
      jwtSecret: required("JWT_SECRET"),
      cookieSecret: required("COOKIE_SECRET"),
    },
  },
  admin: {
    disable: true,
  },
})
