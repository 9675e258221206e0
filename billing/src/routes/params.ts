import { z } from "zod";

export const idParams = z.object({ id: z.string().min(1).max(255) });
export const versionParams = z.object({ id: z.string().min(1).max(255), version: z.string() });
export const entityParams = z.object({ id: z.string().min(1).max(255), entityId: z.string().min(1).max(255) });
export const grantParams = z.object({ id: z.string().min(1).max(255), grantId: z.string().min(1).max(255) });
export const overrideParams = z.object({ id: z.string().min(1).max(255), feature: z.string().min(1).max(255) });
