/**
 * The subnet layout of awsx's `awsx:ec2:Vpc` with subnetStrategy "Auto" (pulumi/pulumi-awsx
 * awsx/ec2/subnetDistributorNew.ts `allocateSubnetCidrBlocks`, subnetNaming.ts): the VPC block split into one
 * block per availability zone (`newBits(azCount)` more bits), each zone's subnets packed in spec order from
 * the zone's base address, each next subnet starting after the block of its own size that holds the previous
 * one's last address; names `<vpc>-<spec name or type>-<zone number>`; public subnets first within a zone.
 */

function ipToInt(ip: string): number {
  return ip.split(".").reduce((acc, o) => acc * 256 + Number(o), 0);
}

function intToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");
}

interface Block {
  base: number;
  bits: number;
}

const blockOf = (addr: number, bits: number): Block => {
  const size = 2 ** (32 - bits);
  return { base: Math.floor(addr / size) * size, bits };
};
const sizeOf = (b: Block) => 2 ** (32 - b.bits);
const lastOf = (b: Block) => b.base + sizeOf(b) - 1;
const nextOf = (b: Block): Block => ({ base: b.base + sizeOf(b), bits: b.bits });
const show = (b: Block) => `${intToIp(b.base)}/${b.bits}`;

function parseCidr(cidr: string): Block {
  const [ip, bits] = cidr.split("/");
  if (!ip || bits === undefined || !/^\d+\.\d+\.\d+\.\d+$/.test(ip))
    throw new Error(`invalid CIDR block ${cidr}`);
  return blockOf(ipToInt(ip), Number(bits));
}

const newBits = (count: number) => (count === 0 ? 0 : Math.ceil(Math.log2(count)));

export interface SubnetSpecInput {
  type: string;
  name?: string;
  cidrMask?: number;
  tags?: Record<string, string>;
}

export interface PlannedSubnet {
  type: string;
  azName: string;
  azIndex: number;
  resourceName: string;
  cidrBlock: string;
  tags?: Record<string, string>;
}

/** The "Auto" layout: one block per AZ, subnets packed in spec order inside it (subnetDistributorNew.ts). */
export function planSubnets(
  vpcName: string,
  vpcCidr: string,
  azNames: string[],
  specs: SubnetSpecInput[] | undefined,
  azCidrMask?: number,
): PlannedSubnet[] {
  const vpc = parseCidr(vpcCidr);
  const azBits = azCidrMask ?? vpc.bits + newBits(azNames.length);
  const maxBits = Math.max(azBits, 16);
  const used: SubnetSpecInput[] =
    specs && specs.length > 0
      ? specs
      : [
          { type: "Private", cidrMask: maxBits + 1 },
          { type: "Public", cidrMask: maxBits + 2 },
        ];
  const defaultBits = azBits + newBits(used.length);
  const total = used.reduce((acc, s) => acc + 2 ** (32 - (s.cidrMask ?? defaultBits)), 0);
  if (total > 2 ** (32 - azBits)) {
    throw new Error(
      `Subnets are too large for VPC. VPC has ${2 ** (32 - azBits)} addresses, but subnets require ${total} addresses.`,
    );
  }
  const order = (t: string) => ({ public: 0, private: 1, isolated: 2 })[t.toLowerCase()] ?? 3;
  const out: PlannedSubnet[] = [];
  let az: Block = { base: vpc.base, bits: azBits };
  azNames.forEach((azName, azIndex) => {
    let current: Block | undefined;
    const planned: PlannedSubnet[] = [];
    for (const spec of used) {
      const bits = spec.cidrMask ?? defaultBits;
      current = current === undefined ? blockOf(az.base, bits) : nextOf(blockOf(lastOf(current), bits));
      if (spec.type === "Unused") continue;
      planned.push({
        type: spec.type,
        azName,
        azIndex,
        resourceName: `${vpcName}-${spec.name ?? spec.type.toLowerCase()}-${azIndex + 1}`,
        cidrBlock: show(current),
        ...(spec.tags ? { tags: spec.tags } : {}),
      });
    }
    planned.sort((a, b) => order(a.type) - order(b.type));
    out.push(...planned);
    az = nextOf(az);
  });
  return out;
}
