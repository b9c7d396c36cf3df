import * as $protobuf from "protobufjs";
import Long = require("long");

/** Namespace tollgate. */
export namespace tollgate {

    /** Namespace v1. */
    namespace v1 {

        /** Os enum. */
        enum Os {

            /** OS_UNSPECIFIED value */
            OS_UNSPECIFIED = 0,

            /** OS_WINDOWS value */
            OS_WINDOWS = 1,

            /** OS_MACOS value */
            OS_MACOS = 2,

            /** OS_LINUX value */
            OS_LINUX = 3
        }

        /** Structure enum. */
        enum Structure {

            /** STRUCTURE_UNSPECIFIED value */
            STRUCTURE_UNSPECIFIED = 0,

            /** STRUCTURE_HIERARCHICAL value */
            STRUCTURE_HIERARCHICAL = 1,

            /** STRUCTURE_FLAT value */
            STRUCTURE_FLAT = 2
        }

        /** PolicyAction enum. */
        enum PolicyAction {

            /** POLICY_ACTION_UNSPECIFIED value */
            POLICY_ACTION_UNSPECIFIED = 0,

            /** POLICY_ACTION_PERMIT value */
            POLICY_ACTION_PERMIT = 1,

            /** POLICY_ACTION_DENY value */
            POLICY_ACTION_DENY = 2,

            /** POLICY_ACTION_DENY_WITH_REQUEST value */
            POLICY_ACTION_DENY_WITH_REQUEST = 3,

            /** POLICY_ACTION_RINGFENCE value */
            POLICY_ACTION_RINGFENCE = 4
        }

        /** ApprovalAction enum. */
        enum ApprovalAction {

            /** APPROVAL_ACTION_UNSPECIFIED value */
            APPROVAL_ACTION_UNSPECIFIED = 0,

            /** APPROVAL_ACTION_APPROVE value */
            APPROVAL_ACTION_APPROVE = 1,

            /** APPROVAL_ACTION_ESCALATE value */
            APPROVAL_ACTION_ESCALATE = 2,

            /** APPROVAL_ACTION_REJECT value */
            APPROVAL_ACTION_REJECT = 3,

            /** APPROVAL_ACTION_NONE value */
            APPROVAL_ACTION_NONE = 4
        }

        /** CountryMode enum. */
        enum CountryMode {

            /** COUNTRY_MODE_UNSPECIFIED value */
            COUNTRY_MODE_UNSPECIFIED = 0,

            /** COUNTRY_MODE_DENY value */
            COUNTRY_MODE_DENY = 1,

            /** COUNTRY_MODE_ALLOW value */
            COUNTRY_MODE_ALLOW = 2
        }

        /** PermitTarget enum. */
        enum PermitTarget {

            /** PERMIT_TARGET_UNSPECIFIED value */
            PERMIT_TARGET_UNSPECIFIED = 0,

            /** PERMIT_TARGET_COMPUTER value */
            PERMIT_TARGET_COMPUTER = 1,

            /** PERMIT_TARGET_GROUP value */
            PERMIT_TARGET_GROUP = 2
        }

        /**
         * Properties of a StringList.
         * @deprecated Use tollgate.v1.StringList.$Properties instead.
         */
        interface IStringList extends tollgate.v1.StringList.$Properties {
        }

        /** Represents a StringList. */
        class StringList {

            /**
             * Constructs a new StringList.
             * @param [properties] Properties to set
             */
            constructor(properties?: tollgate.v1.StringList.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** StringList values. */
            values: string[];

            /**
             * Creates a new StringList instance using the specified properties.
             * @param [properties] Properties to set
             * @returns StringList instance
             */
            static create(properties: tollgate.v1.StringList.$Shape): tollgate.v1.StringList & tollgate.v1.StringList.$Shape;
            static create(properties?: tollgate.v1.StringList.$Properties): tollgate.v1.StringList;

            /**
             * Encodes the specified StringList message. Does not implicitly {@link tollgate.v1.StringList.verify|verify} messages.
             * @param message StringList message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: tollgate.v1.StringList.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a StringList message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {tollgate.v1.StringList & tollgate.v1.StringList.$Shape} StringList
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tollgate.v1.StringList & tollgate.v1.StringList.$Shape;
        }

        namespace StringList {

            /** Properties of a StringList. */
            interface $Properties {

                /** StringList values */
                values?: (string[]|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a StringList. */
            type $Shape = tollgate.v1.StringList.$Properties;
        }

        /**
         * Properties of an AppRule.
         * @deprecated Use tollgate.v1.AppRule.$Properties instead.
         */
        interface IAppRule extends tollgate.v1.AppRule.$Properties {
        }

        /** Represents an AppRule. */
        class AppRule {

            /**
             * Constructs a new AppRule.
             * @param [properties] Properties to set
             */
            constructor(properties?: tollgate.v1.AppRule.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** AppRule path. */
            path?: (string|null);

            /** AppRule processPath. */
            processPath?: (string|null);

            /** AppRule createdBy. */
            createdBy?: (string|null);

            /** AppRule sha256. */
            sha256?: (string|null);

            /** AppRule certSubject. */
            certSubject?: (string|null);

            /** AppRule certThumbprint. */
            certThumbprint?: (string|null);

            /**
             * Creates a new AppRule instance using the specified properties.
             * @param [properties] Properties to set
             * @returns AppRule instance
             */
            static create(properties: tollgate.v1.AppRule.$Shape): tollgate.v1.AppRule & tollgate.v1.AppRule.$Shape;
            static create(properties?: tollgate.v1.AppRule.$Properties): tollgate.v1.AppRule;

            /**
             * Encodes the specified AppRule message. Does not implicitly {@link tollgate.v1.AppRule.verify|verify} messages.
             * @param message AppRule message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: tollgate.v1.AppRule.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes an AppRule message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {tollgate.v1.AppRule & tollgate.v1.AppRule.$Shape} AppRule
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tollgate.v1.AppRule & tollgate.v1.AppRule.$Shape;
        }

        namespace AppRule {

            /** Properties of an AppRule. */
            interface $Properties {

                /** AppRule path */
                path?: (string|null);

                /** AppRule processPath */
                processPath?: (string|null);

                /** AppRule createdBy */
                createdBy?: (string|null);

                /** AppRule sha256 */
                sha256?: (string|null);

                /** AppRule certSubject */
                certSubject?: (string|null);

                /** AppRule certThumbprint */
                certThumbprint?: (string|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of an AppRule. */
            type $Shape = tollgate.v1.AppRule.$Properties;
        }

        /**
         * Properties of an Application.
         * @deprecated Use tollgate.v1.Application.$Properties instead.
         */
        interface IApplication extends tollgate.v1.Application.$Properties {
        }

        /** Represents an Application. */
        class Application {

            /**
             * Constructs a new Application.
             * @param [properties] Properties to set
             */
            constructor(properties?: tollgate.v1.Application.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** Application id. */
            id: string;

            /** Application name. */
            name: string;

            /** Application builtIn. */
            builtIn: boolean;

            /** Application org. */
            org?: (string|null);

            /** Application category. */
            category?: (string|null);

            /** Application subcategory. */
            subcategory?: (string|null);

            /** Application rules. */
            rules: tollgate.v1.AppRule.$Properties[];

            /** Application primaryCompanyInfluence. */
            primaryCompanyInfluence?: (tollgate.v1.StringList.$Properties|null);

            /** Application developmentInfluence. */
            developmentInfluence?: (tollgate.v1.StringList.$Properties|null);

            /**
             * Creates a new Application instance using the specified properties.
             * @param [properties] Properties to set
             * @returns Application instance
             */
            static create(properties: tollgate.v1.Application.$Shape): tollgate.v1.Application & tollgate.v1.Application.$Shape;
            static create(properties?: tollgate.v1.Application.$Properties): tollgate.v1.Application;

            /**
             * Encodes the specified Application message. Does not implicitly {@link tollgate.v1.Application.verify|verify} messages.
             * @param message Application message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: tollgate.v1.Application.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes an Application message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {tollgate.v1.Application & tollgate.v1.Application.$Shape} Application
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tollgate.v1.Application & tollgate.v1.Application.$Shape;
        }

        namespace Application {

            /** Properties of an Application. */
            interface $Properties {

                /** Application id */
                id?: (string|null);

                /** Application name */
                name?: (string|null);

                /** Application builtIn */
                builtIn?: (boolean|null);

                /** Application org */
                org?: (string|null);

                /** Application category */
                category?: (string|null);

                /** Application subcategory */
                subcategory?: (string|null);

                /** Application rules */
                rules?: (tollgate.v1.AppRule.$Properties[]|null);

                /** Application primaryCompanyInfluence */
                primaryCompanyInfluence?: (tollgate.v1.StringList.$Properties|null);

                /** Application developmentInfluence */
                developmentInfluence?: (tollgate.v1.StringList.$Properties|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of an Application. */
            type $Shape = tollgate.v1.Application.$Properties;
        }

        /**
         * Properties of a Policy.
         * @deprecated Use tollgate.v1.Policy.$Properties instead.
         */
        interface IPolicy extends tollgate.v1.Policy.$Properties {
        }

        /** Represents a Policy. */
        class Policy {

            /**
             * Constructs a new Policy.
             * @param [properties] Properties to set
             */
            constructor(properties?: tollgate.v1.Policy.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** Policy id. */
            id: string;

            /** Policy name. */
            name?: (string|null);

            /** Policy app. */
            app?: (string|null);

            /** Policy builtIn. */
            builtIn: boolean;

            /** Policy action. */
            action: tollgate.v1.PolicyAction;

            /** Policy order. */
            order: number;

            /** Policy levelRank. */
            levelRank: number;

            /** Policy orgDepth. */
            orgDepth: number;

            /** Policy org. */
            org: string;

            /** Policy expiresAtMs. */
            expiresAtMs?: (number|null);

            /** Policy isDefault. */
            isDefault: boolean;

            /** Policy ringfenceJson. */
            ringfenceJson?: (string|null);

            /**
             * Creates a new Policy instance using the specified properties.
             * @param [properties] Properties to set
             * @returns Policy instance
             */
            static create(properties: tollgate.v1.Policy.$Shape): tollgate.v1.Policy & tollgate.v1.Policy.$Shape;
            static create(properties?: tollgate.v1.Policy.$Properties): tollgate.v1.Policy;

            /**
             * Encodes the specified Policy message. Does not implicitly {@link tollgate.v1.Policy.verify|verify} messages.
             * @param message Policy message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: tollgate.v1.Policy.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a Policy message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {tollgate.v1.Policy & tollgate.v1.Policy.$Shape} Policy
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tollgate.v1.Policy & tollgate.v1.Policy.$Shape;
        }

        namespace Policy {

            /** Properties of a Policy. */
            interface $Properties {

                /** Policy id */
                id?: (string|null);

                /** Policy name */
                name?: (string|null);

                /** Policy app */
                app?: (string|null);

                /** Policy builtIn */
                builtIn?: (boolean|null);

                /** Policy action */
                action?: (tollgate.v1.PolicyAction|null);

                /** Policy order */
                order?: (number|null);

                /** Policy levelRank */
                levelRank?: (number|null);

                /** Policy orgDepth */
                orgDepth?: (number|null);

                /** Policy org */
                org?: (string|null);

                /** Policy expiresAtMs */
                expiresAtMs?: (number|null);

                /** Policy isDefault */
                isDefault?: (boolean|null);

                /** Policy ringfenceJson */
                ringfenceJson?: (string|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a Policy. */
            type $Shape = tollgate.v1.Policy.$Properties;
        }

        /**
         * Properties of a Gate.
         * @deprecated Use tollgate.v1.Gate.$Properties instead.
         */
        interface IGate extends tollgate.v1.Gate.$Properties {
        }

        /** Represents a Gate. */
        class Gate {

            /**
             * Constructs a new Gate.
             * @param [properties] Properties to set
             */
            constructor(properties?: tollgate.v1.Gate.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** Gate feature. */
            feature: string;

            /** Gate os. */
            os: tollgate.v1.Os;

            /** Gate minVersion. */
            minVersion: string;

            /**
             * Creates a new Gate instance using the specified properties.
             * @param [properties] Properties to set
             * @returns Gate instance
             */
            static create(properties: tollgate.v1.Gate.$Shape): tollgate.v1.Gate & tollgate.v1.Gate.$Shape;
            static create(properties?: tollgate.v1.Gate.$Properties): tollgate.v1.Gate;

            /**
             * Encodes the specified Gate message. Does not implicitly {@link tollgate.v1.Gate.verify|verify} messages.
             * @param message Gate message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: tollgate.v1.Gate.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a Gate message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {tollgate.v1.Gate & tollgate.v1.Gate.$Shape} Gate
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tollgate.v1.Gate & tollgate.v1.Gate.$Shape;
        }

        namespace Gate {

            /** Properties of a Gate. */
            interface $Properties {

                /** Gate feature */
                feature?: (string|null);

                /** Gate os */
                os?: (tollgate.v1.Os|null);

                /** Gate minVersion */
                minVersion?: (string|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a Gate. */
            type $Shape = tollgate.v1.Gate.$Properties;
        }

        /**
         * Properties of a SettingValue.
         * @deprecated Use tollgate.v1.SettingValue.$Properties instead.
         */
        interface ISettingValue extends tollgate.v1.SettingValue.$Properties {
        }

        /** Represents a SettingValue. */
        class SettingValue {

            /**
             * Constructs a new SettingValue.
             * @param [properties] Properties to set
             */
            constructor(properties?: tollgate.v1.SettingValue.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** SettingValue boolValue. */
            boolValue?: (boolean|null);

            /** SettingValue numberValue. */
            numberValue?: (number|null);

            /** SettingValue stringValue. */
            stringValue?: (string|null);

            /** SettingValue kind. */
            kind?: ("boolValue"|"numberValue"|"stringValue");

            /**
             * Creates a new SettingValue instance using the specified properties.
             * @param [properties] Properties to set
             * @returns SettingValue instance
             */
            static create(properties: tollgate.v1.SettingValue.$Shape): tollgate.v1.SettingValue & tollgate.v1.SettingValue.$Shape;
            static create(properties?: tollgate.v1.SettingValue.$Properties): tollgate.v1.SettingValue;

            /**
             * Encodes the specified SettingValue message. Does not implicitly {@link tollgate.v1.SettingValue.verify|verify} messages.
             * @param message SettingValue message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: tollgate.v1.SettingValue.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a SettingValue message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {tollgate.v1.SettingValue & tollgate.v1.SettingValue.$Shape} SettingValue
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tollgate.v1.SettingValue & tollgate.v1.SettingValue.$Shape;
        }

        namespace SettingValue {

            /** Properties of a SettingValue. */
            interface $Properties {

                /** SettingValue boolValue */
                boolValue?: (boolean|null);

                /** SettingValue numberValue */
                numberValue?: (number|null);

                /** SettingValue stringValue */
                stringValue?: (string|null);

                /** SettingValue kind */
                kind?: ("boolValue"|"numberValue"|"stringValue");

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Narrowed shape of a SettingValue. */
            type $Shape = {
              boolValue?: boolean|null;
              numberValue?: number|null;
              stringValue?: string|null;
              $unknowns?: Uint8Array[];
            } & (
              ({ kind?: undefined; boolValue?: null; numberValue?: null; stringValue?: null }|{ kind?: "boolValue"; boolValue: boolean; numberValue?: null; stringValue?: null }|{ kind?: "numberValue"; boolValue?: null; numberValue: number; stringValue?: null }|{ kind?: "stringValue"; boolValue?: null; numberValue?: null; stringValue: string })
            );
        }

        /**
         * Properties of a Setting.
         * @deprecated Use tollgate.v1.Setting.$Properties instead.
         */
        interface ISetting extends tollgate.v1.Setting.$Properties {
        }

        /** Represents a Setting. */
        class Setting {

            /**
             * Constructs a new Setting.
             * @param [properties] Properties to set
             */
            constructor(properties?: tollgate.v1.Setting.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** Setting name. */
            name: string;

            /** Setting value. */
            value?: (tollgate.v1.SettingValue.$Properties|null);

            /** Setting source. */
            source?: (string|null);

            /**
             * Creates a new Setting instance using the specified properties.
             * @param [properties] Properties to set
             * @returns Setting instance
             */
            static create(properties: tollgate.v1.Setting.$Shape): tollgate.v1.Setting & tollgate.v1.Setting.$Shape;
            static create(properties?: tollgate.v1.Setting.$Properties): tollgate.v1.Setting;

            /**
             * Encodes the specified Setting message. Does not implicitly {@link tollgate.v1.Setting.verify|verify} messages.
             * @param message Setting message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: tollgate.v1.Setting.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a Setting message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {tollgate.v1.Setting & tollgate.v1.Setting.$Shape} Setting
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tollgate.v1.Setting & tollgate.v1.Setting.$Shape;
        }

        namespace Setting {

            /** Properties of a Setting. */
            interface $Properties {

                /** Setting name */
                name?: (string|null);

                /** Setting value */
                value?: (tollgate.v1.SettingValue.$Properties|null);

                /** Setting source */
                source?: (string|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a Setting. */
            type $Shape = {
              name?: string|null;
              value?: tollgate.v1.SettingValue.$Shape|null;
              source?: string|null;
              $unknowns?: Uint8Array[];
            };
        }

        /**
         * Properties of an ApprovalPolicy.
         * @deprecated Use tollgate.v1.ApprovalPolicy.$Properties instead.
         */
        interface IApprovalPolicy extends tollgate.v1.ApprovalPolicy.$Properties {
        }

        /** Represents an ApprovalPolicy. */
        class ApprovalPolicy {

            /**
             * Constructs a new ApprovalPolicy.
             * @param [properties] Properties to set
             */
            constructor(properties?: tollgate.v1.ApprovalPolicy.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** ApprovalPolicy id. */
            id: string;

            /** ApprovalPolicy order. */
            order: number;

            /** ApprovalPolicy scopeRank. */
            scopeRank: number;

            /** ApprovalPolicy action. */
            action: tollgate.v1.ApprovalAction;

            /** ApprovalPolicy category. */
            category: string;

            /** ApprovalPolicy subcategory. */
            subcategory?: (string|null);

            /** ApprovalPolicy countriesMode. */
            countriesMode: tollgate.v1.CountryMode;

            /** ApprovalPolicy countries. */
            countries: string[];

            /**
             * Creates a new ApprovalPolicy instance using the specified properties.
             * @param [properties] Properties to set
             * @returns ApprovalPolicy instance
             */
            static create(properties: tollgate.v1.ApprovalPolicy.$Shape): tollgate.v1.ApprovalPolicy & tollgate.v1.ApprovalPolicy.$Shape;
            static create(properties?: tollgate.v1.ApprovalPolicy.$Properties): tollgate.v1.ApprovalPolicy;

            /**
             * Encodes the specified ApprovalPolicy message. Does not implicitly {@link tollgate.v1.ApprovalPolicy.verify|verify} messages.
             * @param message ApprovalPolicy message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: tollgate.v1.ApprovalPolicy.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes an ApprovalPolicy message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {tollgate.v1.ApprovalPolicy & tollgate.v1.ApprovalPolicy.$Shape} ApprovalPolicy
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tollgate.v1.ApprovalPolicy & tollgate.v1.ApprovalPolicy.$Shape;
        }

        namespace ApprovalPolicy {

            /** Properties of an ApprovalPolicy. */
            interface $Properties {

                /** ApprovalPolicy id */
                id?: (string|null);

                /** ApprovalPolicy order */
                order?: (number|null);

                /** ApprovalPolicy scopeRank */
                scopeRank?: (number|null);

                /** ApprovalPolicy action */
                action?: (tollgate.v1.ApprovalAction|null);

                /** ApprovalPolicy category */
                category?: (string|null);

                /** ApprovalPolicy subcategory */
                subcategory?: (string|null);

                /** ApprovalPolicy countriesMode */
                countriesMode?: (tollgate.v1.CountryMode|null);

                /** ApprovalPolicy countries */
                countries?: (string[]|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of an ApprovalPolicy. */
            type $Shape = tollgate.v1.ApprovalPolicy.$Properties;
        }

        /**
         * Properties of a ComputerInfo.
         * @deprecated Use tollgate.v1.ComputerInfo.$Properties instead.
         */
        interface IComputerInfo extends tollgate.v1.ComputerInfo.$Properties {
        }

        /** Represents a ComputerInfo. */
        class ComputerInfo {

            /**
             * Constructs a new ComputerInfo.
             * @param [properties] Properties to set
             */
            constructor(properties?: tollgate.v1.ComputerInfo.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** ComputerInfo id. */
            id: string;

            /** ComputerInfo name. */
            name?: (string|null);

            /** ComputerInfo group. */
            group: string;

            /** ComputerInfo groupName. */
            groupName: string;

            /** ComputerInfo org. */
            org: string;

            /** ComputerInfo os. */
            os: tollgate.v1.Os;

            /** ComputerInfo agentVersion. */
            agentVersion: string;

            /**
             * Creates a new ComputerInfo instance using the specified properties.
             * @param [properties] Properties to set
             * @returns ComputerInfo instance
             */
            static create(properties: tollgate.v1.ComputerInfo.$Shape): tollgate.v1.ComputerInfo & tollgate.v1.ComputerInfo.$Shape;
            static create(properties?: tollgate.v1.ComputerInfo.$Properties): tollgate.v1.ComputerInfo;

            /**
             * Encodes the specified ComputerInfo message. Does not implicitly {@link tollgate.v1.ComputerInfo.verify|verify} messages.
             * @param message ComputerInfo message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: tollgate.v1.ComputerInfo.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a ComputerInfo message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {tollgate.v1.ComputerInfo & tollgate.v1.ComputerInfo.$Shape} ComputerInfo
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tollgate.v1.ComputerInfo & tollgate.v1.ComputerInfo.$Shape;
        }

        namespace ComputerInfo {

            /** Properties of a ComputerInfo. */
            interface $Properties {

                /** ComputerInfo id */
                id?: (string|null);

                /** ComputerInfo name */
                name?: (string|null);

                /** ComputerInfo group */
                group?: (string|null);

                /** ComputerInfo groupName */
                groupName?: (string|null);

                /** ComputerInfo org */
                org?: (string|null);

                /** ComputerInfo os */
                os?: (tollgate.v1.Os|null);

                /** ComputerInfo agentVersion */
                agentVersion?: (string|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a ComputerInfo. */
            type $Shape = tollgate.v1.ComputerInfo.$Properties;
        }

        /**
         * Properties of a ComputerView.
         * @deprecated Use tollgate.v1.ComputerView.$Properties instead.
         */
        interface IComputerView extends tollgate.v1.ComputerView.$Properties {
        }

        /** Represents a ComputerView. */
        class ComputerView {

            /**
             * Constructs a new ComputerView.
             * @param [properties] Properties to set
             */
            constructor(properties?: tollgate.v1.ComputerView.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** ComputerView computer. */
            computer?: (tollgate.v1.ComputerInfo.$Properties|null);

            /** ComputerView orgStructure. */
            orgStructure: tollgate.v1.Structure;

            /** ComputerView modules. */
            modules: string[];

            /** ComputerView policies. */
            policies: tollgate.v1.Policy.$Properties[];

            /** ComputerView applications. */
            applications: tollgate.v1.Application.$Properties[];

            /** ComputerView settings. */
            settings: tollgate.v1.Setting.$Properties[];

            /** ComputerView gates. */
            gates: tollgate.v1.Gate.$Properties[];

            /** ComputerView approvalPolicies. */
            approvalPolicies: tollgate.v1.ApprovalPolicy.$Properties[];

            /** ComputerView permitTarget. */
            permitTarget: tollgate.v1.PermitTarget;

            /** ComputerView instructions. */
            instructions: string;

            /** ComputerView escalationEmails. */
            escalationEmails: string[];

            /** ComputerView approvalWarnings. */
            approvalWarnings: string[];

            /**
             * Creates a new ComputerView instance using the specified properties.
             * @param [properties] Properties to set
             * @returns ComputerView instance
             */
            static create(properties: tollgate.v1.ComputerView.$Shape): tollgate.v1.ComputerView & tollgate.v1.ComputerView.$Shape;
            static create(properties?: tollgate.v1.ComputerView.$Properties): tollgate.v1.ComputerView;

            /**
             * Encodes the specified ComputerView message. Does not implicitly {@link tollgate.v1.ComputerView.verify|verify} messages.
             * @param message ComputerView message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: tollgate.v1.ComputerView.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a ComputerView message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {tollgate.v1.ComputerView & tollgate.v1.ComputerView.$Shape} ComputerView
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tollgate.v1.ComputerView & tollgate.v1.ComputerView.$Shape;
        }

        namespace ComputerView {

            /** Properties of a ComputerView. */
            interface $Properties {

                /** ComputerView computer */
                computer?: (tollgate.v1.ComputerInfo.$Properties|null);

                /** ComputerView orgStructure */
                orgStructure?: (tollgate.v1.Structure|null);

                /** ComputerView modules */
                modules?: (string[]|null);

                /** ComputerView policies */
                policies?: (tollgate.v1.Policy.$Properties[]|null);

                /** ComputerView applications */
                applications?: (tollgate.v1.Application.$Properties[]|null);

                /** ComputerView settings */
                settings?: (tollgate.v1.Setting.$Properties[]|null);

                /** ComputerView gates */
                gates?: (tollgate.v1.Gate.$Properties[]|null);

                /** ComputerView approvalPolicies */
                approvalPolicies?: (tollgate.v1.ApprovalPolicy.$Properties[]|null);

                /** ComputerView permitTarget */
                permitTarget?: (tollgate.v1.PermitTarget|null);

                /** ComputerView instructions */
                instructions?: (string|null);

                /** ComputerView escalationEmails */
                escalationEmails?: (string[]|null);

                /** ComputerView approvalWarnings */
                approvalWarnings?: (string[]|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a ComputerView. */
            type $Shape = {
              computer?: tollgate.v1.ComputerInfo.$Shape|null;
              orgStructure?: tollgate.v1.Structure|null;
              modules?: string[]|null;
              policies?: tollgate.v1.Policy.$Shape[]|null;
              applications?: tollgate.v1.Application.$Shape[]|null;
              settings?: tollgate.v1.Setting.$Shape[]|null;
              gates?: tollgate.v1.Gate.$Shape[]|null;
              approvalPolicies?: tollgate.v1.ApprovalPolicy.$Shape[]|null;
              permitTarget?: tollgate.v1.PermitTarget|null;
              instructions?: string|null;
              escalationEmails?: string[]|null;
              approvalWarnings?: string[]|null;
              $unknowns?: Uint8Array[];
            };
        }

        /** PayloadKind enum. */
        enum PayloadKind {

            /** PAYLOAD_KIND_UNSPECIFIED value */
            PAYLOAD_KIND_UNSPECIFIED = 0,

            /** PAYLOAD_KIND_SNAPSHOT value */
            PAYLOAD_KIND_SNAPSHOT = 1,

            /** PAYLOAD_KIND_SETTINGS value */
            PAYLOAD_KIND_SETTINGS = 2,

            /** PAYLOAD_KIND_DELTA value */
            PAYLOAD_KIND_DELTA = 3
        }

        /**
         * Properties of a SnapshotPayload.
         * @deprecated Use tollgate.v1.SnapshotPayload.$Properties instead.
         */
        interface ISnapshotPayload extends tollgate.v1.SnapshotPayload.$Properties {
        }

        /** Represents a SnapshotPayload. */
        class SnapshotPayload {

            /**
             * Constructs a new SnapshotPayload.
             * @param [properties] Properties to set
             */
            constructor(properties?: tollgate.v1.SnapshotPayload.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** SnapshotPayload computerId. */
            computerId: string;

            /** SnapshotPayload version. */
            version: number;

            /** SnapshotPayload issuedAtMs. */
            issuedAtMs: number;

            /** SnapshotPayload settingsVersion. */
            settingsVersion: number;

            /** SnapshotPayload view. */
            view?: (tollgate.v1.ComputerView.$Properties|null);

            /** SnapshotPayload kind. */
            kind: tollgate.v1.PayloadKind;

            /**
             * Creates a new SnapshotPayload instance using the specified properties.
             * @param [properties] Properties to set
             * @returns SnapshotPayload instance
             */
            static create(properties: tollgate.v1.SnapshotPayload.$Shape): tollgate.v1.SnapshotPayload & tollgate.v1.SnapshotPayload.$Shape;
            static create(properties?: tollgate.v1.SnapshotPayload.$Properties): tollgate.v1.SnapshotPayload;

            /**
             * Encodes the specified SnapshotPayload message. Does not implicitly {@link tollgate.v1.SnapshotPayload.verify|verify} messages.
             * @param message SnapshotPayload message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: tollgate.v1.SnapshotPayload.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a SnapshotPayload message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {tollgate.v1.SnapshotPayload & tollgate.v1.SnapshotPayload.$Shape} SnapshotPayload
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tollgate.v1.SnapshotPayload & tollgate.v1.SnapshotPayload.$Shape;
        }

        namespace SnapshotPayload {

            /** Properties of a SnapshotPayload. */
            interface $Properties {

                /** SnapshotPayload computerId */
                computerId?: (string|null);

                /** SnapshotPayload version */
                version?: (number|null);

                /** SnapshotPayload issuedAtMs */
                issuedAtMs?: (number|null);

                /** SnapshotPayload settingsVersion */
                settingsVersion?: (number|null);

                /** SnapshotPayload view */
                view?: (tollgate.v1.ComputerView.$Properties|null);

                /** SnapshotPayload kind */
                kind?: (tollgate.v1.PayloadKind|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a SnapshotPayload. */
            type $Shape = {
              computerId?: string|null;
              version?: number|null;
              issuedAtMs?: number|null;
              settingsVersion?: number|null;
              view?: tollgate.v1.ComputerView.$Shape|null;
              kind?: tollgate.v1.PayloadKind|null;
              $unknowns?: Uint8Array[];
            };
        }

        /**
         * Properties of a SignedSnapshot.
         * @deprecated Use tollgate.v1.SignedSnapshot.$Properties instead.
         */
        interface ISignedSnapshot extends tollgate.v1.SignedSnapshot.$Properties {
        }

        /** Represents a SignedSnapshot. */
        class SignedSnapshot {

            /**
             * Constructs a new SignedSnapshot.
             * @param [properties] Properties to set
             */
            constructor(properties?: tollgate.v1.SignedSnapshot.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** SignedSnapshot payload. */
            payload: Uint8Array;

            /** SignedSnapshot signature. */
            signature: Uint8Array;

            /** SignedSnapshot keyId. */
            keyId: string;

            /**
             * Creates a new SignedSnapshot instance using the specified properties.
             * @param [properties] Properties to set
             * @returns SignedSnapshot instance
             */
            static create(properties: tollgate.v1.SignedSnapshot.$Shape): tollgate.v1.SignedSnapshot & tollgate.v1.SignedSnapshot.$Shape;
            static create(properties?: tollgate.v1.SignedSnapshot.$Properties): tollgate.v1.SignedSnapshot;

            /**
             * Encodes the specified SignedSnapshot message. Does not implicitly {@link tollgate.v1.SignedSnapshot.verify|verify} messages.
             * @param message SignedSnapshot message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: tollgate.v1.SignedSnapshot.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a SignedSnapshot message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {tollgate.v1.SignedSnapshot & tollgate.v1.SignedSnapshot.$Shape} SignedSnapshot
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tollgate.v1.SignedSnapshot & tollgate.v1.SignedSnapshot.$Shape;
        }

        namespace SignedSnapshot {

            /** Properties of a SignedSnapshot. */
            interface $Properties {

                /** SignedSnapshot payload */
                payload?: (Uint8Array|null);

                /** SignedSnapshot signature */
                signature?: (Uint8Array|null);

                /** SignedSnapshot keyId */
                keyId?: (string|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a SignedSnapshot. */
            type $Shape = tollgate.v1.SignedSnapshot.$Properties;
        }

        /**
         * Properties of a SettingsPayload.
         * @deprecated Use tollgate.v1.SettingsPayload.$Properties instead.
         */
        interface ISettingsPayload extends tollgate.v1.SettingsPayload.$Properties {
        }

        /** Represents a SettingsPayload. */
        class SettingsPayload {

            /**
             * Constructs a new SettingsPayload.
             * @param [properties] Properties to set
             */
            constructor(properties?: tollgate.v1.SettingsPayload.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** SettingsPayload computerId. */
            computerId: string;

            /** SettingsPayload settingsVersion. */
            settingsVersion: number;

            /** SettingsPayload issuedAtMs. */
            issuedAtMs: number;

            /** SettingsPayload settings. */
            settings: tollgate.v1.Setting.$Properties[];

            /** SettingsPayload hasSources. */
            hasSources: boolean;

            /** SettingsPayload kind. */
            kind: tollgate.v1.PayloadKind;

            /**
             * Creates a new SettingsPayload instance using the specified properties.
             * @param [properties] Properties to set
             * @returns SettingsPayload instance
             */
            static create(properties: tollgate.v1.SettingsPayload.$Shape): tollgate.v1.SettingsPayload & tollgate.v1.SettingsPayload.$Shape;
            static create(properties?: tollgate.v1.SettingsPayload.$Properties): tollgate.v1.SettingsPayload;

            /**
             * Encodes the specified SettingsPayload message. Does not implicitly {@link tollgate.v1.SettingsPayload.verify|verify} messages.
             * @param message SettingsPayload message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: tollgate.v1.SettingsPayload.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a SettingsPayload message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {tollgate.v1.SettingsPayload & tollgate.v1.SettingsPayload.$Shape} SettingsPayload
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tollgate.v1.SettingsPayload & tollgate.v1.SettingsPayload.$Shape;
        }

        namespace SettingsPayload {

            /** Properties of a SettingsPayload. */
            interface $Properties {

                /** SettingsPayload computerId */
                computerId?: (string|null);

                /** SettingsPayload settingsVersion */
                settingsVersion?: (number|null);

                /** SettingsPayload issuedAtMs */
                issuedAtMs?: (number|null);

                /** SettingsPayload settings */
                settings?: (tollgate.v1.Setting.$Properties[]|null);

                /** SettingsPayload hasSources */
                hasSources?: (boolean|null);

                /** SettingsPayload kind */
                kind?: (tollgate.v1.PayloadKind|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a SettingsPayload. */
            type $Shape = {
              computerId?: string|null;
              settingsVersion?: number|null;
              issuedAtMs?: number|null;
              settings?: tollgate.v1.Setting.$Shape[]|null;
              hasSources?: boolean|null;
              kind?: tollgate.v1.PayloadKind|null;
              $unknowns?: Uint8Array[];
            };
        }

        /**
         * Properties of a SignedSettings.
         * @deprecated Use tollgate.v1.SignedSettings.$Properties instead.
         */
        interface ISignedSettings extends tollgate.v1.SignedSettings.$Properties {
        }

        /** Represents a SignedSettings. */
        class SignedSettings {

            /**
             * Constructs a new SignedSettings.
             * @param [properties] Properties to set
             */
            constructor(properties?: tollgate.v1.SignedSettings.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** SignedSettings payload. */
            payload: Uint8Array;

            /** SignedSettings signature. */
            signature: Uint8Array;

            /** SignedSettings keyId. */
            keyId: string;

            /**
             * Creates a new SignedSettings instance using the specified properties.
             * @param [properties] Properties to set
             * @returns SignedSettings instance
             */
            static create(properties: tollgate.v1.SignedSettings.$Shape): tollgate.v1.SignedSettings & tollgate.v1.SignedSettings.$Shape;
            static create(properties?: tollgate.v1.SignedSettings.$Properties): tollgate.v1.SignedSettings;

            /**
             * Encodes the specified SignedSettings message. Does not implicitly {@link tollgate.v1.SignedSettings.verify|verify} messages.
             * @param message SignedSettings message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: tollgate.v1.SignedSettings.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a SignedSettings message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {tollgate.v1.SignedSettings & tollgate.v1.SignedSettings.$Shape} SignedSettings
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tollgate.v1.SignedSettings & tollgate.v1.SignedSettings.$Shape;
        }

        namespace SignedSettings {

            /** Properties of a SignedSettings. */
            interface $Properties {

                /** SignedSettings payload */
                payload?: (Uint8Array|null);

                /** SignedSettings signature */
                signature?: (Uint8Array|null);

                /** SignedSettings keyId */
                keyId?: (string|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a SignedSettings. */
            type $Shape = tollgate.v1.SignedSettings.$Properties;
        }

        /**
         * Properties of a DeltaPayload.
         * @deprecated Use tollgate.v1.DeltaPayload.$Properties instead.
         */
        interface IDeltaPayload extends tollgate.v1.DeltaPayload.$Properties {
        }

        /** Represents a DeltaPayload. */
        class DeltaPayload {

            /**
             * Constructs a new DeltaPayload.
             * @param [properties] Properties to set
             */
            constructor(properties?: tollgate.v1.DeltaPayload.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** DeltaPayload computerId. */
            computerId: string;

            /** DeltaPayload baseVersion. */
            baseVersion: number;

            /** DeltaPayload baseViewHash. */
            baseViewHash: Uint8Array;

            /** DeltaPayload version. */
            version: number;

            /** DeltaPayload settingsVersion. */
            settingsVersion: number;

            /** DeltaPayload issuedAtMs. */
            issuedAtMs: number;

            /** DeltaPayload viewHash. */
            viewHash: Uint8Array;

            /** DeltaPayload kind. */
            kind: tollgate.v1.PayloadKind;

            /** DeltaPayload policies. */
            policies: tollgate.v1.Policy.$Properties[];

            /** DeltaPayload policyPositions. */
            policyPositions: number[];

            /** DeltaPayload removedPolicies. */
            removedPolicies: string[];

            /** DeltaPayload applications. */
            applications: tollgate.v1.Application.$Properties[];

            /** DeltaPayload applicationPositions. */
            applicationPositions: number[];

            /** DeltaPayload removedApplications. */
            removedApplications: string[];

            /** DeltaPayload replacedFields. */
            replacedFields: number[];

            /** DeltaPayload replaced. */
            replaced?: (tollgate.v1.ComputerView.$Properties|null);

            /**
             * Creates a new DeltaPayload instance using the specified properties.
             * @param [properties] Properties to set
             * @returns DeltaPayload instance
             */
            static create(properties: tollgate.v1.DeltaPayload.$Shape): tollgate.v1.DeltaPayload & tollgate.v1.DeltaPayload.$Shape;
            static create(properties?: tollgate.v1.DeltaPayload.$Properties): tollgate.v1.DeltaPayload;

            /**
             * Encodes the specified DeltaPayload message. Does not implicitly {@link tollgate.v1.DeltaPayload.verify|verify} messages.
             * @param message DeltaPayload message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: tollgate.v1.DeltaPayload.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a DeltaPayload message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {tollgate.v1.DeltaPayload & tollgate.v1.DeltaPayload.$Shape} DeltaPayload
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tollgate.v1.DeltaPayload & tollgate.v1.DeltaPayload.$Shape;
        }

        namespace DeltaPayload {

            /** Properties of a DeltaPayload. */
            interface $Properties {

                /** DeltaPayload computerId */
                computerId?: (string|null);

                /** DeltaPayload baseVersion */
                baseVersion?: (number|null);

                /** DeltaPayload baseViewHash */
                baseViewHash?: (Uint8Array|null);

                /** DeltaPayload version */
                version?: (number|null);

                /** DeltaPayload settingsVersion */
                settingsVersion?: (number|null);

                /** DeltaPayload issuedAtMs */
                issuedAtMs?: (number|null);

                /** DeltaPayload viewHash */
                viewHash?: (Uint8Array|null);

                /** DeltaPayload kind */
                kind?: (tollgate.v1.PayloadKind|null);

                /** DeltaPayload policies */
                policies?: (tollgate.v1.Policy.$Properties[]|null);

                /** DeltaPayload policyPositions */
                policyPositions?: (number[]|null);

                /** DeltaPayload removedPolicies */
                removedPolicies?: (string[]|null);

                /** DeltaPayload applications */
                applications?: (tollgate.v1.Application.$Properties[]|null);

                /** DeltaPayload applicationPositions */
                applicationPositions?: (number[]|null);

                /** DeltaPayload removedApplications */
                removedApplications?: (string[]|null);

                /** DeltaPayload replacedFields */
                replacedFields?: (number[]|null);

                /** DeltaPayload replaced */
                replaced?: (tollgate.v1.ComputerView.$Properties|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a DeltaPayload. */
            type $Shape = {
              computerId?: string|null;
              baseVersion?: number|null;
              baseViewHash?: Uint8Array|null;
              version?: number|null;
              settingsVersion?: number|null;
              issuedAtMs?: number|null;
              viewHash?: Uint8Array|null;
              kind?: tollgate.v1.PayloadKind|null;
              policies?: tollgate.v1.Policy.$Shape[]|null;
              policyPositions?: number[]|null;
              removedPolicies?: string[]|null;
              applications?: tollgate.v1.Application.$Shape[]|null;
              applicationPositions?: number[]|null;
              removedApplications?: string[]|null;
              replacedFields?: number[]|null;
              replaced?: tollgate.v1.ComputerView.$Shape|null;
              $unknowns?: Uint8Array[];
            };
        }

        /**
         * Properties of a SignedDelta.
         * @deprecated Use tollgate.v1.SignedDelta.$Properties instead.
         */
        interface ISignedDelta extends tollgate.v1.SignedDelta.$Properties {
        }

        /** Represents a SignedDelta. */
        class SignedDelta {

            /**
             * Constructs a new SignedDelta.
             * @param [properties] Properties to set
             */
            constructor(properties?: tollgate.v1.SignedDelta.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** SignedDelta payload. */
            payload: Uint8Array;

            /** SignedDelta signature. */
            signature: Uint8Array;

            /** SignedDelta keyId. */
            keyId: string;

            /**
             * Creates a new SignedDelta instance using the specified properties.
             * @param [properties] Properties to set
             * @returns SignedDelta instance
             */
            static create(properties: tollgate.v1.SignedDelta.$Shape): tollgate.v1.SignedDelta & tollgate.v1.SignedDelta.$Shape;
            static create(properties?: tollgate.v1.SignedDelta.$Properties): tollgate.v1.SignedDelta;

            /**
             * Encodes the specified SignedDelta message. Does not implicitly {@link tollgate.v1.SignedDelta.verify|verify} messages.
             * @param message SignedDelta message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: tollgate.v1.SignedDelta.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a SignedDelta message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {tollgate.v1.SignedDelta & tollgate.v1.SignedDelta.$Shape} SignedDelta
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tollgate.v1.SignedDelta & tollgate.v1.SignedDelta.$Shape;
        }

        namespace SignedDelta {

            /** Properties of a SignedDelta. */
            interface $Properties {

                /** SignedDelta payload */
                payload?: (Uint8Array|null);

                /** SignedDelta signature */
                signature?: (Uint8Array|null);

                /** SignedDelta keyId */
                keyId?: (string|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a SignedDelta. */
            type $Shape = tollgate.v1.SignedDelta.$Properties;
        }

        /**
         * Properties of a Hello.
         * @deprecated Use tollgate.v1.Hello.$Properties instead.
         */
        interface IHello extends tollgate.v1.Hello.$Properties {
        }

        /** Represents a Hello. */
        class Hello {

            /**
             * Constructs a new Hello.
             * @param [properties] Properties to set
             */
            constructor(properties?: tollgate.v1.Hello.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** Hello computerId. */
            computerId: string;

            /** Hello token. */
            token: string;

            /** Hello agentVersion. */
            agentVersion: string;

            /** Hello os. */
            os: tollgate.v1.Os;

            /** Hello snapshotVersion. */
            snapshotVersion: number;

            /** Hello settingsVersion. */
            settingsVersion: number;

            /** Hello viewHash. */
            viewHash: Uint8Array;

            /** Hello tollgateVersion. */
            tollgateVersion: string;

            /**
             * Creates a new Hello instance using the specified properties.
             * @param [properties] Properties to set
             * @returns Hello instance
             */
            static create(properties: tollgate.v1.Hello.$Shape): tollgate.v1.Hello & tollgate.v1.Hello.$Shape;
            static create(properties?: tollgate.v1.Hello.$Properties): tollgate.v1.Hello;

            /**
             * Encodes the specified Hello message. Does not implicitly {@link tollgate.v1.Hello.verify|verify} messages.
             * @param message Hello message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: tollgate.v1.Hello.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a Hello message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {tollgate.v1.Hello & tollgate.v1.Hello.$Shape} Hello
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tollgate.v1.Hello & tollgate.v1.Hello.$Shape;
        }

        namespace Hello {

            /** Properties of a Hello. */
            interface $Properties {

                /** Hello computerId */
                computerId?: (string|null);

                /** Hello token */
                token?: (string|null);

                /** Hello agentVersion */
                agentVersion?: (string|null);

                /** Hello os */
                os?: (tollgate.v1.Os|null);

                /** Hello snapshotVersion */
                snapshotVersion?: (number|null);

                /** Hello settingsVersion */
                settingsVersion?: (number|null);

                /** Hello viewHash */
                viewHash?: (Uint8Array|null);

                /** Hello tollgateVersion */
                tollgateVersion?: (string|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a Hello. */
            type $Shape = tollgate.v1.Hello.$Properties;
        }

        /**
         * Properties of an Ack.
         * @deprecated Use tollgate.v1.Ack.$Properties instead.
         */
        interface IAck extends tollgate.v1.Ack.$Properties {
        }

        /** Represents an Ack. */
        class Ack {

            /**
             * Constructs a new Ack.
             * @param [properties] Properties to set
             */
            constructor(properties?: tollgate.v1.Ack.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** Ack snapshotVersion. */
            snapshotVersion: number;

            /** Ack settingsVersion. */
            settingsVersion: number;

            /** Ack error. */
            error: string;

            /** Ack viewHash. */
            viewHash: Uint8Array;

            /** Ack errorCode. */
            errorCode: string;

            /**
             * Creates a new Ack instance using the specified properties.
             * @param [properties] Properties to set
             * @returns Ack instance
             */
            static create(properties: tollgate.v1.Ack.$Shape): tollgate.v1.Ack & tollgate.v1.Ack.$Shape;
            static create(properties?: tollgate.v1.Ack.$Properties): tollgate.v1.Ack;

            /**
             * Encodes the specified Ack message. Does not implicitly {@link tollgate.v1.Ack.verify|verify} messages.
             * @param message Ack message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: tollgate.v1.Ack.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes an Ack message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {tollgate.v1.Ack & tollgate.v1.Ack.$Shape} Ack
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tollgate.v1.Ack & tollgate.v1.Ack.$Shape;
        }

        namespace Ack {

            /** Properties of an Ack. */
            interface $Properties {

                /** Ack snapshotVersion */
                snapshotVersion?: (number|null);

                /** Ack settingsVersion */
                settingsVersion?: (number|null);

                /** Ack error */
                error?: (string|null);

                /** Ack viewHash */
                viewHash?: (Uint8Array|null);

                /** Ack errorCode */
                errorCode?: (string|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of an Ack. */
            type $Shape = tollgate.v1.Ack.$Properties;
        }

        /**
         * Properties of an ApprovalSubmission.
         * @deprecated Use tollgate.v1.ApprovalSubmission.$Properties instead.
         */
        interface IApprovalSubmission extends tollgate.v1.ApprovalSubmission.$Properties {
        }

        /** Represents an ApprovalSubmission. */
        class ApprovalSubmission {

            /**
             * Constructs a new ApprovalSubmission.
             * @param [properties] Properties to set
             */
            constructor(properties?: tollgate.v1.ApprovalSubmission.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** ApprovalSubmission requestId. */
            requestId: string;

            /** ApprovalSubmission submittedAtMs. */
            submittedAtMs: number;

            /** ApprovalSubmission file. */
            file?: (tollgate.v1.FileInfo.$Properties|null);

            /** ApprovalSubmission user. */
            user: string;

            /** ApprovalSubmission reason. */
            reason: string;

            /** ApprovalSubmission query. */
            query?: (tollgate.v1.ApprovalQuery.$Properties|null);

            /** ApprovalSubmission suggestion. */
            suggestion?: (tollgate.v1.Suggestion.$Properties|null);

            /**
             * Creates a new ApprovalSubmission instance using the specified properties.
             * @param [properties] Properties to set
             * @returns ApprovalSubmission instance
             */
            static create(properties: tollgate.v1.ApprovalSubmission.$Shape): tollgate.v1.ApprovalSubmission & tollgate.v1.ApprovalSubmission.$Shape;
            static create(properties?: tollgate.v1.ApprovalSubmission.$Properties): tollgate.v1.ApprovalSubmission;

            /**
             * Encodes the specified ApprovalSubmission message. Does not implicitly {@link tollgate.v1.ApprovalSubmission.verify|verify} messages.
             * @param message ApprovalSubmission message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: tollgate.v1.ApprovalSubmission.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes an ApprovalSubmission message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {tollgate.v1.ApprovalSubmission & tollgate.v1.ApprovalSubmission.$Shape} ApprovalSubmission
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tollgate.v1.ApprovalSubmission & tollgate.v1.ApprovalSubmission.$Shape;
        }

        namespace ApprovalSubmission {

            /** Properties of an ApprovalSubmission. */
            interface $Properties {

                /** ApprovalSubmission requestId */
                requestId?: (string|null);

                /** ApprovalSubmission submittedAtMs */
                submittedAtMs?: (number|null);

                /** ApprovalSubmission file */
                file?: (tollgate.v1.FileInfo.$Properties|null);

                /** ApprovalSubmission user */
                user?: (string|null);

                /** ApprovalSubmission reason */
                reason?: (string|null);

                /** ApprovalSubmission query */
                query?: (tollgate.v1.ApprovalQuery.$Properties|null);

                /** ApprovalSubmission suggestion */
                suggestion?: (tollgate.v1.Suggestion.$Properties|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of an ApprovalSubmission. */
            type $Shape = tollgate.v1.ApprovalSubmission.$Properties;
        }

        /**
         * Properties of an AgentMessage.
         * @deprecated Use tollgate.v1.AgentMessage.$Properties instead.
         */
        interface IAgentMessage extends tollgate.v1.AgentMessage.$Properties {
        }

        /** Represents an AgentMessage. */
        class AgentMessage {

            /**
             * Constructs a new AgentMessage.
             * @param [properties] Properties to set
             */
            constructor(properties?: tollgate.v1.AgentMessage.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** AgentMessage hello. */
            hello?: (tollgate.v1.Hello.$Properties|null);

            /** AgentMessage ack. */
            ack?: (tollgate.v1.Ack.$Properties|null);

            /** AgentMessage approval. */
            approval?: (tollgate.v1.ApprovalSubmission.$Properties|null);

            /** AgentMessage body. */
            body?: ("hello"|"ack"|"approval");

            /**
             * Creates a new AgentMessage instance using the specified properties.
             * @param [properties] Properties to set
             * @returns AgentMessage instance
             */
            static create(properties: tollgate.v1.AgentMessage.$Shape): tollgate.v1.AgentMessage & tollgate.v1.AgentMessage.$Shape;
            static create(properties?: tollgate.v1.AgentMessage.$Properties): tollgate.v1.AgentMessage;

            /**
             * Encodes the specified AgentMessage message. Does not implicitly {@link tollgate.v1.AgentMessage.verify|verify} messages.
             * @param message AgentMessage message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: tollgate.v1.AgentMessage.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes an AgentMessage message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {tollgate.v1.AgentMessage & tollgate.v1.AgentMessage.$Shape} AgentMessage
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tollgate.v1.AgentMessage & tollgate.v1.AgentMessage.$Shape;
        }

        namespace AgentMessage {

            /** Properties of an AgentMessage. */
            interface $Properties {

                /** AgentMessage hello */
                hello?: (tollgate.v1.Hello.$Properties|null);

                /** AgentMessage ack */
                ack?: (tollgate.v1.Ack.$Properties|null);

                /** AgentMessage approval */
                approval?: (tollgate.v1.ApprovalSubmission.$Properties|null);

                /** AgentMessage body */
                body?: ("hello"|"ack"|"approval");

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Narrowed shape of an AgentMessage. */
            type $Shape = {
              hello?: tollgate.v1.Hello.$Shape|null;
              ack?: tollgate.v1.Ack.$Shape|null;
              approval?: tollgate.v1.ApprovalSubmission.$Shape|null;
              $unknowns?: Uint8Array[];
            } & (
              ({ body?: undefined; hello?: null; ack?: null; approval?: null }|{ body?: "hello"; hello: tollgate.v1.Hello.$Shape; ack?: null; approval?: null }|{ body?: "ack"; hello?: null; ack: tollgate.v1.Ack.$Shape; approval?: null }|{ body?: "approval"; hello?: null; ack?: null; approval: tollgate.v1.ApprovalSubmission.$Shape })
            );
        }

        /**
         * Properties of an UpToDate.
         * @deprecated Use tollgate.v1.UpToDate.$Properties instead.
         */
        interface IUpToDate extends tollgate.v1.UpToDate.$Properties {
        }

        /** Represents an UpToDate. */
        class UpToDate {

            /**
             * Constructs a new UpToDate.
             * @param [properties] Properties to set
             */
            constructor(properties?: tollgate.v1.UpToDate.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** UpToDate snapshotVersion. */
            snapshotVersion: number;

            /** UpToDate settingsVersion. */
            settingsVersion: number;

            /**
             * Creates a new UpToDate instance using the specified properties.
             * @param [properties] Properties to set
             * @returns UpToDate instance
             */
            static create(properties: tollgate.v1.UpToDate.$Shape): tollgate.v1.UpToDate & tollgate.v1.UpToDate.$Shape;
            static create(properties?: tollgate.v1.UpToDate.$Properties): tollgate.v1.UpToDate;

            /**
             * Encodes the specified UpToDate message. Does not implicitly {@link tollgate.v1.UpToDate.verify|verify} messages.
             * @param message UpToDate message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: tollgate.v1.UpToDate.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes an UpToDate message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {tollgate.v1.UpToDate & tollgate.v1.UpToDate.$Shape} UpToDate
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tollgate.v1.UpToDate & tollgate.v1.UpToDate.$Shape;
        }

        namespace UpToDate {

            /** Properties of an UpToDate. */
            interface $Properties {

                /** UpToDate snapshotVersion */
                snapshotVersion?: (number|null);

                /** UpToDate settingsVersion */
                settingsVersion?: (number|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of an UpToDate. */
            type $Shape = tollgate.v1.UpToDate.$Properties;
        }

        /**
         * Properties of a Refusal.
         * @deprecated Use tollgate.v1.Refusal.$Properties instead.
         */
        interface IRefusal extends tollgate.v1.Refusal.$Properties {
        }

        /** Represents a Refusal. */
        class Refusal {

            /**
             * Constructs a new Refusal.
             * @param [properties] Properties to set
             */
            constructor(properties?: tollgate.v1.Refusal.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** Refusal code. */
            code: string;

            /** Refusal message. */
            message: string;

            /**
             * Creates a new Refusal instance using the specified properties.
             * @param [properties] Properties to set
             * @returns Refusal instance
             */
            static create(properties: tollgate.v1.Refusal.$Shape): tollgate.v1.Refusal & tollgate.v1.Refusal.$Shape;
            static create(properties?: tollgate.v1.Refusal.$Properties): tollgate.v1.Refusal;

            /**
             * Encodes the specified Refusal message. Does not implicitly {@link tollgate.v1.Refusal.verify|verify} messages.
             * @param message Refusal message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: tollgate.v1.Refusal.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a Refusal message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {tollgate.v1.Refusal & tollgate.v1.Refusal.$Shape} Refusal
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tollgate.v1.Refusal & tollgate.v1.Refusal.$Shape;
        }

        namespace Refusal {

            /** Properties of a Refusal. */
            interface $Properties {

                /** Refusal code */
                code?: (string|null);

                /** Refusal message */
                message?: (string|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a Refusal. */
            type $Shape = tollgate.v1.Refusal.$Properties;
        }

        /**
         * Properties of an ApprovalReceipt.
         * @deprecated Use tollgate.v1.ApprovalReceipt.$Properties instead.
         */
        interface IApprovalReceipt extends tollgate.v1.ApprovalReceipt.$Properties {
        }

        /** Represents an ApprovalReceipt. */
        class ApprovalReceipt {

            /**
             * Constructs a new ApprovalReceipt.
             * @param [properties] Properties to set
             */
            constructor(properties?: tollgate.v1.ApprovalReceipt.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** ApprovalReceipt requestId. */
            requestId: string;

            /** ApprovalReceipt refusalCode. */
            refusalCode: string;

            /** ApprovalReceipt refusalMessage. */
            refusalMessage: string;

            /**
             * Creates a new ApprovalReceipt instance using the specified properties.
             * @param [properties] Properties to set
             * @returns ApprovalReceipt instance
             */
            static create(properties: tollgate.v1.ApprovalReceipt.$Shape): tollgate.v1.ApprovalReceipt & tollgate.v1.ApprovalReceipt.$Shape;
            static create(properties?: tollgate.v1.ApprovalReceipt.$Properties): tollgate.v1.ApprovalReceipt;

            /**
             * Encodes the specified ApprovalReceipt message. Does not implicitly {@link tollgate.v1.ApprovalReceipt.verify|verify} messages.
             * @param message ApprovalReceipt message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: tollgate.v1.ApprovalReceipt.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes an ApprovalReceipt message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {tollgate.v1.ApprovalReceipt & tollgate.v1.ApprovalReceipt.$Shape} ApprovalReceipt
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tollgate.v1.ApprovalReceipt & tollgate.v1.ApprovalReceipt.$Shape;
        }

        namespace ApprovalReceipt {

            /** Properties of an ApprovalReceipt. */
            interface $Properties {

                /** ApprovalReceipt requestId */
                requestId?: (string|null);

                /** ApprovalReceipt refusalCode */
                refusalCode?: (string|null);

                /** ApprovalReceipt refusalMessage */
                refusalMessage?: (string|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of an ApprovalReceipt. */
            type $Shape = tollgate.v1.ApprovalReceipt.$Properties;
        }

        /**
         * Properties of a ServerMessage.
         * @deprecated Use tollgate.v1.ServerMessage.$Properties instead.
         */
        interface IServerMessage extends tollgate.v1.ServerMessage.$Properties {
        }

        /** Represents a ServerMessage. */
        class ServerMessage {

            /**
             * Constructs a new ServerMessage.
             * @param [properties] Properties to set
             */
            constructor(properties?: tollgate.v1.ServerMessage.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** ServerMessage snapshot. */
            snapshot?: (Uint8Array|null);

            /** ServerMessage upToDate. */
            upToDate?: (tollgate.v1.UpToDate.$Properties|null);

            /** ServerMessage settings. */
            settings?: (Uint8Array|null);

            /** ServerMessage refusal. */
            refusal?: (tollgate.v1.Refusal.$Properties|null);

            /** ServerMessage receipt. */
            receipt?: (tollgate.v1.ApprovalReceipt.$Properties|null);

            /** ServerMessage delta. */
            delta?: (Uint8Array|null);

            /** ServerMessage body. */
            body?: ("snapshot"|"upToDate"|"settings"|"refusal"|"receipt"|"delta");

            /**
             * Creates a new ServerMessage instance using the specified properties.
             * @param [properties] Properties to set
             * @returns ServerMessage instance
             */
            static create(properties: tollgate.v1.ServerMessage.$Shape): tollgate.v1.ServerMessage & tollgate.v1.ServerMessage.$Shape;
            static create(properties?: tollgate.v1.ServerMessage.$Properties): tollgate.v1.ServerMessage;

            /**
             * Encodes the specified ServerMessage message. Does not implicitly {@link tollgate.v1.ServerMessage.verify|verify} messages.
             * @param message ServerMessage message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: tollgate.v1.ServerMessage.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a ServerMessage message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {tollgate.v1.ServerMessage & tollgate.v1.ServerMessage.$Shape} ServerMessage
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tollgate.v1.ServerMessage & tollgate.v1.ServerMessage.$Shape;
        }

        namespace ServerMessage {

            /** Properties of a ServerMessage. */
            interface $Properties {

                /** ServerMessage snapshot */
                snapshot?: (Uint8Array|null);

                /** ServerMessage upToDate */
                upToDate?: (tollgate.v1.UpToDate.$Properties|null);

                /** ServerMessage settings */
                settings?: (Uint8Array|null);

                /** ServerMessage refusal */
                refusal?: (tollgate.v1.Refusal.$Properties|null);

                /** ServerMessage receipt */
                receipt?: (tollgate.v1.ApprovalReceipt.$Properties|null);

                /** ServerMessage delta */
                delta?: (Uint8Array|null);

                /** ServerMessage body */
                body?: ("snapshot"|"upToDate"|"settings"|"refusal"|"receipt"|"delta");

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Narrowed shape of a ServerMessage. */
            type $Shape = {
              snapshot?: Uint8Array|null;
              upToDate?: tollgate.v1.UpToDate.$Shape|null;
              settings?: Uint8Array|null;
              refusal?: tollgate.v1.Refusal.$Shape|null;
              receipt?: tollgate.v1.ApprovalReceipt.$Shape|null;
              delta?: Uint8Array|null;
              $unknowns?: Uint8Array[];
            } & (
              ({ body?: undefined; snapshot?: null; upToDate?: null; settings?: null; refusal?: null; receipt?: null; delta?: null }|{ body?: "snapshot"; snapshot: Uint8Array; upToDate?: null; settings?: null; refusal?: null; receipt?: null; delta?: null }|{ body?: "upToDate"; snapshot?: null; upToDate: tollgate.v1.UpToDate.$Shape; settings?: null; refusal?: null; receipt?: null; delta?: null }|{ body?: "settings"; snapshot?: null; upToDate?: null; settings: Uint8Array; refusal?: null; receipt?: null; delta?: null }|{ body?: "refusal"; snapshot?: null; upToDate?: null; settings?: null; refusal: tollgate.v1.Refusal.$Shape; receipt?: null; delta?: null }|{ body?: "receipt"; snapshot?: null; upToDate?: null; settings?: null; refusal?: null; receipt: tollgate.v1.ApprovalReceipt.$Shape; delta?: null }|{ body?: "delta"; snapshot?: null; upToDate?: null; settings?: null; refusal?: null; receipt?: null; delta: Uint8Array })
            );
        }

        /**
         * Properties of a FileInfo.
         * @deprecated Use tollgate.v1.FileInfo.$Properties instead.
         */
        interface IFileInfo extends tollgate.v1.FileInfo.$Properties {
        }

        /** Represents a FileInfo. */
        class FileInfo {

            /**
             * Constructs a new FileInfo.
             * @param [properties] Properties to set
             */
            constructor(properties?: tollgate.v1.FileInfo.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** FileInfo path. */
            path: string;

            /** FileInfo sha256. */
            sha256?: (string|null);

            /** FileInfo certSubject. */
            certSubject?: (string|null);

            /** FileInfo certThumbprint. */
            certThumbprint?: (string|null);

            /** FileInfo processPath. */
            processPath?: (string|null);

            /** FileInfo createdBy. */
            createdBy?: (string|null);

            /**
             * Creates a new FileInfo instance using the specified properties.
             * @param [properties] Properties to set
             * @returns FileInfo instance
             */
            static create(properties: tollgate.v1.FileInfo.$Shape): tollgate.v1.FileInfo & tollgate.v1.FileInfo.$Shape;
            static create(properties?: tollgate.v1.FileInfo.$Properties): tollgate.v1.FileInfo;

            /**
             * Encodes the specified FileInfo message. Does not implicitly {@link tollgate.v1.FileInfo.verify|verify} messages.
             * @param message FileInfo message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: tollgate.v1.FileInfo.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a FileInfo message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {tollgate.v1.FileInfo & tollgate.v1.FileInfo.$Shape} FileInfo
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tollgate.v1.FileInfo & tollgate.v1.FileInfo.$Shape;
        }

        namespace FileInfo {

            /** Properties of a FileInfo. */
            interface $Properties {

                /** FileInfo path */
                path?: (string|null);

                /** FileInfo sha256 */
                sha256?: (string|null);

                /** FileInfo certSubject */
                certSubject?: (string|null);

                /** FileInfo certThumbprint */
                certThumbprint?: (string|null);

                /** FileInfo processPath */
                processPath?: (string|null);

                /** FileInfo createdBy */
                createdBy?: (string|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a FileInfo. */
            type $Shape = tollgate.v1.FileInfo.$Properties;
        }

        /**
         * Properties of an EvaluateFileRequest.
         * @deprecated Use tollgate.v1.EvaluateFileRequest.$Properties instead.
         */
        interface IEvaluateFileRequest extends tollgate.v1.EvaluateFileRequest.$Properties {
        }

        /** Represents an EvaluateFileRequest. */
        class EvaluateFileRequest {

            /**
             * Constructs a new EvaluateFileRequest.
             * @param [properties] Properties to set
             */
            constructor(properties?: tollgate.v1.EvaluateFileRequest.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** EvaluateFileRequest file. */
            file?: (tollgate.v1.FileInfo.$Properties|null);

            /** EvaluateFileRequest atMs. */
            atMs?: (number|null);

            /** EvaluateFileRequest settings. */
            settings: tollgate.v1.Setting.$Properties[];

            /**
             * Creates a new EvaluateFileRequest instance using the specified properties.
             * @param [properties] Properties to set
             * @returns EvaluateFileRequest instance
             */
            static create(properties: tollgate.v1.EvaluateFileRequest.$Shape): tollgate.v1.EvaluateFileRequest & tollgate.v1.EvaluateFileRequest.$Shape;
            static create(properties?: tollgate.v1.EvaluateFileRequest.$Properties): tollgate.v1.EvaluateFileRequest;

            /**
             * Encodes the specified EvaluateFileRequest message. Does not implicitly {@link tollgate.v1.EvaluateFileRequest.verify|verify} messages.
             * @param message EvaluateFileRequest message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: tollgate.v1.EvaluateFileRequest.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes an EvaluateFileRequest message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {tollgate.v1.EvaluateFileRequest & tollgate.v1.EvaluateFileRequest.$Shape} EvaluateFileRequest
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tollgate.v1.EvaluateFileRequest & tollgate.v1.EvaluateFileRequest.$Shape;
        }

        namespace EvaluateFileRequest {

            /** Properties of an EvaluateFileRequest. */
            interface $Properties {

                /** EvaluateFileRequest file */
                file?: (tollgate.v1.FileInfo.$Properties|null);

                /** EvaluateFileRequest atMs */
                atMs?: (number|null);

                /** EvaluateFileRequest settings */
                settings?: (tollgate.v1.Setting.$Properties[]|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of an EvaluateFileRequest. */
            type $Shape = {
              file?: tollgate.v1.FileInfo.$Shape|null;
              atMs?: number|null;
              settings?: tollgate.v1.Setting.$Shape[]|null;
              $unknowns?: Uint8Array[];
            };
        }

        /**
         * Properties of an ApprovalQuery.
         * @deprecated Use tollgate.v1.ApprovalQuery.$Properties instead.
         */
        interface IApprovalQuery extends tollgate.v1.ApprovalQuery.$Properties {
        }

        /** Represents an ApprovalQuery. */
        class ApprovalQuery {

            /**
             * Constructs a new ApprovalQuery.
             * @param [properties] Properties to set
             */
            constructor(properties?: tollgate.v1.ApprovalQuery.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** ApprovalQuery app. */
            app?: (string|null);

            /** ApprovalQuery category. */
            category?: (string|null);

            /** ApprovalQuery subcategory. */
            subcategory?: (string|null);

            /** ApprovalQuery primaryCompanyInfluence. */
            primaryCompanyInfluence?: (tollgate.v1.StringList.$Properties|null);

            /** ApprovalQuery developmentInfluence. */
            developmentInfluence?: (tollgate.v1.StringList.$Properties|null);

            /**
             * Creates a new ApprovalQuery instance using the specified properties.
             * @param [properties] Properties to set
             * @returns ApprovalQuery instance
             */
            static create(properties: tollgate.v1.ApprovalQuery.$Shape): tollgate.v1.ApprovalQuery & tollgate.v1.ApprovalQuery.$Shape;
            static create(properties?: tollgate.v1.ApprovalQuery.$Properties): tollgate.v1.ApprovalQuery;

            /**
             * Encodes the specified ApprovalQuery message. Does not implicitly {@link tollgate.v1.ApprovalQuery.verify|verify} messages.
             * @param message ApprovalQuery message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: tollgate.v1.ApprovalQuery.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes an ApprovalQuery message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {tollgate.v1.ApprovalQuery & tollgate.v1.ApprovalQuery.$Shape} ApprovalQuery
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tollgate.v1.ApprovalQuery & tollgate.v1.ApprovalQuery.$Shape;
        }

        namespace ApprovalQuery {

            /** Properties of an ApprovalQuery. */
            interface $Properties {

                /** ApprovalQuery app */
                app?: (string|null);

                /** ApprovalQuery category */
                category?: (string|null);

                /** ApprovalQuery subcategory */
                subcategory?: (string|null);

                /** ApprovalQuery primaryCompanyInfluence */
                primaryCompanyInfluence?: (tollgate.v1.StringList.$Properties|null);

                /** ApprovalQuery developmentInfluence */
                developmentInfluence?: (tollgate.v1.StringList.$Properties|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of an ApprovalQuery. */
            type $Shape = tollgate.v1.ApprovalQuery.$Properties;
        }

        /**
         * Properties of an EvaluateApprovalRequest.
         * @deprecated Use tollgate.v1.EvaluateApprovalRequest.$Properties instead.
         */
        interface IEvaluateApprovalRequest extends tollgate.v1.EvaluateApprovalRequest.$Properties {
        }

        /** Represents an EvaluateApprovalRequest. */
        class EvaluateApprovalRequest {

            /**
             * Constructs a new EvaluateApprovalRequest.
             * @param [properties] Properties to set
             */
            constructor(properties?: tollgate.v1.EvaluateApprovalRequest.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** EvaluateApprovalRequest query. */
            query?: (tollgate.v1.ApprovalQuery.$Properties|null);

            /** EvaluateApprovalRequest submit. */
            submit: boolean;

            /** EvaluateApprovalRequest file. */
            file?: (tollgate.v1.FileInfo.$Properties|null);

            /** EvaluateApprovalRequest user. */
            user?: (string|null);

            /** EvaluateApprovalRequest reason. */
            reason?: (string|null);

            /**
             * Creates a new EvaluateApprovalRequest instance using the specified properties.
             * @param [properties] Properties to set
             * @returns EvaluateApprovalRequest instance
             */
            static create(properties: tollgate.v1.EvaluateApprovalRequest.$Shape): tollgate.v1.EvaluateApprovalRequest & tollgate.v1.EvaluateApprovalRequest.$Shape;
            static create(properties?: tollgate.v1.EvaluateApprovalRequest.$Properties): tollgate.v1.EvaluateApprovalRequest;

            /**
             * Encodes the specified EvaluateApprovalRequest message. Does not implicitly {@link tollgate.v1.EvaluateApprovalRequest.verify|verify} messages.
             * @param message EvaluateApprovalRequest message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: tollgate.v1.EvaluateApprovalRequest.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes an EvaluateApprovalRequest message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {tollgate.v1.EvaluateApprovalRequest & tollgate.v1.EvaluateApprovalRequest.$Shape} EvaluateApprovalRequest
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tollgate.v1.EvaluateApprovalRequest & tollgate.v1.EvaluateApprovalRequest.$Shape;
        }

        namespace EvaluateApprovalRequest {

            /** Properties of an EvaluateApprovalRequest. */
            interface $Properties {

                /** EvaluateApprovalRequest query */
                query?: (tollgate.v1.ApprovalQuery.$Properties|null);

                /** EvaluateApprovalRequest submit */
                submit?: (boolean|null);

                /** EvaluateApprovalRequest file */
                file?: (tollgate.v1.FileInfo.$Properties|null);

                /** EvaluateApprovalRequest user */
                user?: (string|null);

                /** EvaluateApprovalRequest reason */
                reason?: (string|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of an EvaluateApprovalRequest. */
            type $Shape = tollgate.v1.EvaluateApprovalRequest.$Properties;
        }

        /**
         * Properties of a StatusRequest.
         * @deprecated Use tollgate.v1.StatusRequest.$Properties instead.
         */
        interface IStatusRequest extends tollgate.v1.StatusRequest.$Properties {
        }

        /** Represents a StatusRequest. */
        class StatusRequest {

            /**
             * Constructs a new StatusRequest.
             * @param [properties] Properties to set
             */
            constructor(properties?: tollgate.v1.StatusRequest.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /**
             * Creates a new StatusRequest instance using the specified properties.
             * @param [properties] Properties to set
             * @returns StatusRequest instance
             */
            static create(properties: tollgate.v1.StatusRequest.$Shape): tollgate.v1.StatusRequest & tollgate.v1.StatusRequest.$Shape;
            static create(properties?: tollgate.v1.StatusRequest.$Properties): tollgate.v1.StatusRequest;

            /**
             * Encodes the specified StatusRequest message. Does not implicitly {@link tollgate.v1.StatusRequest.verify|verify} messages.
             * @param message StatusRequest message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: tollgate.v1.StatusRequest.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a StatusRequest message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {tollgate.v1.StatusRequest & tollgate.v1.StatusRequest.$Shape} StatusRequest
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tollgate.v1.StatusRequest & tollgate.v1.StatusRequest.$Shape;
        }

        namespace StatusRequest {

            /** Properties of a StatusRequest. */
            interface $Properties {

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a StatusRequest. */
            type $Shape = tollgate.v1.StatusRequest.$Properties;
        }

        /**
         * Properties of an ExportDecisionsRequest.
         * @deprecated Use tollgate.v1.ExportDecisionsRequest.$Properties instead.
         */
        interface IExportDecisionsRequest extends tollgate.v1.ExportDecisionsRequest.$Properties {
        }

        /** Represents an ExportDecisionsRequest. */
        class ExportDecisionsRequest {

            /**
             * Constructs a new ExportDecisionsRequest.
             * @param [properties] Properties to set
             */
            constructor(properties?: tollgate.v1.ExportDecisionsRequest.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** ExportDecisionsRequest limit. */
            limit: number;

            /**
             * Creates a new ExportDecisionsRequest instance using the specified properties.
             * @param [properties] Properties to set
             * @returns ExportDecisionsRequest instance
             */
            static create(properties: tollgate.v1.ExportDecisionsRequest.$Shape): tollgate.v1.ExportDecisionsRequest & tollgate.v1.ExportDecisionsRequest.$Shape;
            static create(properties?: tollgate.v1.ExportDecisionsRequest.$Properties): tollgate.v1.ExportDecisionsRequest;

            /**
             * Encodes the specified ExportDecisionsRequest message. Does not implicitly {@link tollgate.v1.ExportDecisionsRequest.verify|verify} messages.
             * @param message ExportDecisionsRequest message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: tollgate.v1.ExportDecisionsRequest.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes an ExportDecisionsRequest message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {tollgate.v1.ExportDecisionsRequest & tollgate.v1.ExportDecisionsRequest.$Shape} ExportDecisionsRequest
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tollgate.v1.ExportDecisionsRequest & tollgate.v1.ExportDecisionsRequest.$Shape;
        }

        namespace ExportDecisionsRequest {

            /** Properties of an ExportDecisionsRequest. */
            interface $Properties {

                /** ExportDecisionsRequest limit */
                limit?: (number|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of an ExportDecisionsRequest. */
            type $Shape = tollgate.v1.ExportDecisionsRequest.$Properties;
        }

        /**
         * Properties of an ApplySnapshotRequest.
         * @deprecated Use tollgate.v1.ApplySnapshotRequest.$Properties instead.
         */
        interface IApplySnapshotRequest extends tollgate.v1.ApplySnapshotRequest.$Properties {
        }

        /** Represents an ApplySnapshotRequest. */
        class ApplySnapshotRequest {

            /**
             * Constructs a new ApplySnapshotRequest.
             * @param [properties] Properties to set
             */
            constructor(properties?: tollgate.v1.ApplySnapshotRequest.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** ApplySnapshotRequest signedSnapshot. */
            signedSnapshot: Uint8Array;

            /**
             * Creates a new ApplySnapshotRequest instance using the specified properties.
             * @param [properties] Properties to set
             * @returns ApplySnapshotRequest instance
             */
            static create(properties: tollgate.v1.ApplySnapshotRequest.$Shape): tollgate.v1.ApplySnapshotRequest & tollgate.v1.ApplySnapshotRequest.$Shape;
            static create(properties?: tollgate.v1.ApplySnapshotRequest.$Properties): tollgate.v1.ApplySnapshotRequest;

            /**
             * Encodes the specified ApplySnapshotRequest message. Does not implicitly {@link tollgate.v1.ApplySnapshotRequest.verify|verify} messages.
             * @param message ApplySnapshotRequest message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: tollgate.v1.ApplySnapshotRequest.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes an ApplySnapshotRequest message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {tollgate.v1.ApplySnapshotRequest & tollgate.v1.ApplySnapshotRequest.$Shape} ApplySnapshotRequest
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tollgate.v1.ApplySnapshotRequest & tollgate.v1.ApplySnapshotRequest.$Shape;
        }

        namespace ApplySnapshotRequest {

            /** Properties of an ApplySnapshotRequest. */
            interface $Properties {

                /** ApplySnapshotRequest signedSnapshot */
                signedSnapshot?: (Uint8Array|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of an ApplySnapshotRequest. */
            type $Shape = tollgate.v1.ApplySnapshotRequest.$Properties;
        }

        /**
         * Properties of a Request.
         * @deprecated Use tollgate.v1.Request.$Properties instead.
         */
        interface IRequest extends tollgate.v1.Request.$Properties {
        }

        /** Represents a Request. */
        class Request {

            /**
             * Constructs a new Request.
             * @param [properties] Properties to set
             */
            constructor(properties?: tollgate.v1.Request.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** Request id. */
            id: number;

            /** Request evaluateFile. */
            evaluateFile?: (tollgate.v1.EvaluateFileRequest.$Properties|null);

            /** Request evaluateApproval. */
            evaluateApproval?: (tollgate.v1.EvaluateApprovalRequest.$Properties|null);

            /** Request status. */
            status?: (tollgate.v1.StatusRequest.$Properties|null);

            /** Request exportDecisions. */
            exportDecisions?: (tollgate.v1.ExportDecisionsRequest.$Properties|null);

            /** Request applySnapshot. */
            applySnapshot?: (tollgate.v1.ApplySnapshotRequest.$Properties|null);

            /** Request body. */
            body?: ("evaluateFile"|"evaluateApproval"|"status"|"exportDecisions"|"applySnapshot");

            /**
             * Creates a new Request instance using the specified properties.
             * @param [properties] Properties to set
             * @returns Request instance
             */
            static create(properties: tollgate.v1.Request.$Shape): tollgate.v1.Request & tollgate.v1.Request.$Shape;
            static create(properties?: tollgate.v1.Request.$Properties): tollgate.v1.Request;

            /**
             * Encodes the specified Request message. Does not implicitly {@link tollgate.v1.Request.verify|verify} messages.
             * @param message Request message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: tollgate.v1.Request.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a Request message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {tollgate.v1.Request & tollgate.v1.Request.$Shape} Request
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tollgate.v1.Request & tollgate.v1.Request.$Shape;
        }

        namespace Request {

            /** Properties of a Request. */
            interface $Properties {

                /** Request id */
                id?: (number|null);

                /** Request evaluateFile */
                evaluateFile?: (tollgate.v1.EvaluateFileRequest.$Properties|null);

                /** Request evaluateApproval */
                evaluateApproval?: (tollgate.v1.EvaluateApprovalRequest.$Properties|null);

                /** Request status */
                status?: (tollgate.v1.StatusRequest.$Properties|null);

                /** Request exportDecisions */
                exportDecisions?: (tollgate.v1.ExportDecisionsRequest.$Properties|null);

                /** Request applySnapshot */
                applySnapshot?: (tollgate.v1.ApplySnapshotRequest.$Properties|null);

                /** Request body */
                body?: ("evaluateFile"|"evaluateApproval"|"status"|"exportDecisions"|"applySnapshot");

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Narrowed shape of a Request. */
            type $Shape = {
              id?: number|null;
              evaluateFile?: tollgate.v1.EvaluateFileRequest.$Shape|null;
              evaluateApproval?: tollgate.v1.EvaluateApprovalRequest.$Shape|null;
              status?: tollgate.v1.StatusRequest.$Shape|null;
              exportDecisions?: tollgate.v1.ExportDecisionsRequest.$Shape|null;
              applySnapshot?: tollgate.v1.ApplySnapshotRequest.$Shape|null;
              $unknowns?: Uint8Array[];
            } & (
              ({ body?: undefined; evaluateFile?: null; evaluateApproval?: null; status?: null; exportDecisions?: null; applySnapshot?: null }|{ body?: "evaluateFile"; evaluateFile: tollgate.v1.EvaluateFileRequest.$Shape; evaluateApproval?: null; status?: null; exportDecisions?: null; applySnapshot?: null }|{ body?: "evaluateApproval"; evaluateFile?: null; evaluateApproval: tollgate.v1.EvaluateApprovalRequest.$Shape; status?: null; exportDecisions?: null; applySnapshot?: null }|{ body?: "status"; evaluateFile?: null; evaluateApproval?: null; status: tollgate.v1.StatusRequest.$Shape; exportDecisions?: null; applySnapshot?: null }|{ body?: "exportDecisions"; evaluateFile?: null; evaluateApproval?: null; status?: null; exportDecisions: tollgate.v1.ExportDecisionsRequest.$Shape; applySnapshot?: null }|{ body?: "applySnapshot"; evaluateFile?: null; evaluateApproval?: null; status?: null; exportDecisions?: null; applySnapshot: tollgate.v1.ApplySnapshotRequest.$Shape })
            );
        }

        /**
         * Properties of a Decision.
         * @deprecated Use tollgate.v1.Decision.$Properties instead.
         */
        interface IDecision extends tollgate.v1.Decision.$Properties {
        }

        /** Represents a Decision. */
        class Decision {

            /**
             * Constructs a new Decision.
             * @param [properties] Properties to set
             */
            constructor(properties?: tollgate.v1.Decision.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** Decision action. */
            action: tollgate.v1.PolicyAction;

            /** Decision policy. */
            policy?: (string|null);

            /** Decision policyName. */
            policyName?: (string|null);

            /** Decision order. */
            order?: (number|null);

            /** Decision application. */
            application?: (string|null);

            /** Decision structure. */
            structure: tollgate.v1.Structure;

            /** Decision builtInsFirst. */
            builtInsFirst: boolean;

            /** Decision gated. */
            gated: string[];

            /** Decision snapshotVersion. */
            snapshotVersion?: (number|null);

            /** Decision reason. */
            reason: string;

            /** Decision ringfenceJson. */
            ringfenceJson?: (string|null);

            /**
             * Creates a new Decision instance using the specified properties.
             * @param [properties] Properties to set
             * @returns Decision instance
             */
            static create(properties: tollgate.v1.Decision.$Shape): tollgate.v1.Decision & tollgate.v1.Decision.$Shape;
            static create(properties?: tollgate.v1.Decision.$Properties): tollgate.v1.Decision;

            /**
             * Encodes the specified Decision message. Does not implicitly {@link tollgate.v1.Decision.verify|verify} messages.
             * @param message Decision message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: tollgate.v1.Decision.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a Decision message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {tollgate.v1.Decision & tollgate.v1.Decision.$Shape} Decision
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tollgate.v1.Decision & tollgate.v1.Decision.$Shape;
        }

        namespace Decision {

            /** Properties of a Decision. */
            interface $Properties {

                /** Decision action */
                action?: (tollgate.v1.PolicyAction|null);

                /** Decision policy */
                policy?: (string|null);

                /** Decision policyName */
                policyName?: (string|null);

                /** Decision order */
                order?: (number|null);

                /** Decision application */
                application?: (string|null);

                /** Decision structure */
                structure?: (tollgate.v1.Structure|null);

                /** Decision builtInsFirst */
                builtInsFirst?: (boolean|null);

                /** Decision gated */
                gated?: (string[]|null);

                /** Decision snapshotVersion */
                snapshotVersion?: (number|null);

                /** Decision reason */
                reason?: (string|null);

                /** Decision ringfenceJson */
                ringfenceJson?: (string|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a Decision. */
            type $Shape = tollgate.v1.Decision.$Properties;
        }

        /**
         * Properties of a Suggestion.
         * @deprecated Use tollgate.v1.Suggestion.$Properties instead.
         */
        interface ISuggestion extends tollgate.v1.Suggestion.$Properties {
        }

        /** Represents a Suggestion. */
        class Suggestion {

            /**
             * Constructs a new Suggestion.
             * @param [properties] Properties to set
             */
            constructor(properties?: tollgate.v1.Suggestion.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** Suggestion suggestion. */
            suggestion: tollgate.v1.ApprovalAction;

            /** Suggestion policy. */
            policy?: (string|null);

            /** Suggestion reason. */
            reason: string;

            /** Suggestion permitTarget. */
            permitTarget: tollgate.v1.PermitTarget;

            /** Suggestion instructions. */
            instructions: string;

            /** Suggestion escalationEmails. */
            escalationEmails: string[];

            /** Suggestion warnings. */
            warnings: string[];

            /** Suggestion requestId. */
            requestId?: (string|null);

            /**
             * Creates a new Suggestion instance using the specified properties.
             * @param [properties] Properties to set
             * @returns Suggestion instance
             */
            static create(properties: tollgate.v1.Suggestion.$Shape): tollgate.v1.Suggestion & tollgate.v1.Suggestion.$Shape;
            static create(properties?: tollgate.v1.Suggestion.$Properties): tollgate.v1.Suggestion;

            /**
             * Encodes the specified Suggestion message. Does not implicitly {@link tollgate.v1.Suggestion.verify|verify} messages.
             * @param message Suggestion message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: tollgate.v1.Suggestion.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a Suggestion message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {tollgate.v1.Suggestion & tollgate.v1.Suggestion.$Shape} Suggestion
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tollgate.v1.Suggestion & tollgate.v1.Suggestion.$Shape;
        }

        namespace Suggestion {

            /** Properties of a Suggestion. */
            interface $Properties {

                /** Suggestion suggestion */
                suggestion?: (tollgate.v1.ApprovalAction|null);

                /** Suggestion policy */
                policy?: (string|null);

                /** Suggestion reason */
                reason?: (string|null);

                /** Suggestion permitTarget */
                permitTarget?: (tollgate.v1.PermitTarget|null);

                /** Suggestion instructions */
                instructions?: (string|null);

                /** Suggestion escalationEmails */
                escalationEmails?: (string[]|null);

                /** Suggestion warnings */
                warnings?: (string[]|null);

                /** Suggestion requestId */
                requestId?: (string|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a Suggestion. */
            type $Shape = tollgate.v1.Suggestion.$Properties;
        }

        /**
         * Properties of an ActionCount.
         * @deprecated Use tollgate.v1.ActionCount.$Properties instead.
         */
        interface IActionCount extends tollgate.v1.ActionCount.$Properties {
        }

        /** Represents an ActionCount. */
        class ActionCount {

            /**
             * Constructs a new ActionCount.
             * @param [properties] Properties to set
             */
            constructor(properties?: tollgate.v1.ActionCount.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** ActionCount action. */
            action: string;

            /** ActionCount count. */
            count: number;

            /**
             * Creates a new ActionCount instance using the specified properties.
             * @param [properties] Properties to set
             * @returns ActionCount instance
             */
            static create(properties: tollgate.v1.ActionCount.$Shape): tollgate.v1.ActionCount & tollgate.v1.ActionCount.$Shape;
            static create(properties?: tollgate.v1.ActionCount.$Properties): tollgate.v1.ActionCount;

            /**
             * Encodes the specified ActionCount message. Does not implicitly {@link tollgate.v1.ActionCount.verify|verify} messages.
             * @param message ActionCount message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: tollgate.v1.ActionCount.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes an ActionCount message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {tollgate.v1.ActionCount & tollgate.v1.ActionCount.$Shape} ActionCount
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tollgate.v1.ActionCount & tollgate.v1.ActionCount.$Shape;
        }

        namespace ActionCount {

            /** Properties of an ActionCount. */
            interface $Properties {

                /** ActionCount action */
                action?: (string|null);

                /** ActionCount count */
                count?: (number|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of an ActionCount. */
            type $Shape = tollgate.v1.ActionCount.$Properties;
        }

        /**
         * Properties of a Status.
         * @deprecated Use tollgate.v1.Status.$Properties instead.
         */
        interface IStatus extends tollgate.v1.Status.$Properties {
        }

        /** Represents a Status. */
        class Status {

            /**
             * Constructs a new Status.
             * @param [properties] Properties to set
             */
            constructor(properties?: tollgate.v1.Status.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** Status computerId. */
            computerId: string;

            /** Status agentVersion. */
            agentVersion: string;

            /** Status os. */
            os: tollgate.v1.Os;

            /** Status snapshotVersion. */
            snapshotVersion?: (number|null);

            /** Status snapshotIssuedAtMs. */
            snapshotIssuedAtMs?: (number|null);

            /** Status snapshotAppliedAtMs. */
            snapshotAppliedAtMs?: (number|null);

            /** Status orgStructure. */
            orgStructure?: (tollgate.v1.Structure|null);

            /** Status structure. */
            structure: tollgate.v1.Structure;

            /** Status builtInsFirst. */
            builtInsFirst: boolean;

            /** Status gated. */
            gated: string[];

            /** Status settings. */
            settings: tollgate.v1.Setting.$Properties[];

            /** Status settingsVersion. */
            settingsVersion: number;

            /** Status policyCount. */
            policyCount: number;

            /** Status decisions. */
            decisions: tollgate.v1.ActionCount.$Properties[];

            /** Status latencyP50Us. */
            latencyP50Us: number;

            /** Status latencyP99Us. */
            latencyP99Us: number;

            /** Status outboxDepth. */
            outboxDepth: number;

            /** Status uptimeMs. */
            uptimeMs: number;

            /** Status syncState. */
            syncState: string;

            /** Status serverUrl. */
            serverUrl?: (string|null);

            /** Status tollgateVersion. */
            tollgateVersion: string;

            /** Status lastSyncAtMs. */
            lastSyncAtMs?: (number|null);

            /** Status syncDownSinceMs. */
            syncDownSinceMs?: (number|null);

            /** Status metricsAddress. */
            metricsAddress?: (string|null);

            /**
             * Creates a new Status instance using the specified properties.
             * @param [properties] Properties to set
             * @returns Status instance
             */
            static create(properties: tollgate.v1.Status.$Shape): tollgate.v1.Status & tollgate.v1.Status.$Shape;
            static create(properties?: tollgate.v1.Status.$Properties): tollgate.v1.Status;

            /**
             * Encodes the specified Status message. Does not implicitly {@link tollgate.v1.Status.verify|verify} messages.
             * @param message Status message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: tollgate.v1.Status.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a Status message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {tollgate.v1.Status & tollgate.v1.Status.$Shape} Status
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tollgate.v1.Status & tollgate.v1.Status.$Shape;
        }

        namespace Status {

            /** Properties of a Status. */
            interface $Properties {

                /** Status computerId */
                computerId?: (string|null);

                /** Status agentVersion */
                agentVersion?: (string|null);

                /** Status os */
                os?: (tollgate.v1.Os|null);

                /** Status snapshotVersion */
                snapshotVersion?: (number|null);

                /** Status snapshotIssuedAtMs */
                snapshotIssuedAtMs?: (number|null);

                /** Status snapshotAppliedAtMs */
                snapshotAppliedAtMs?: (number|null);

                /** Status orgStructure */
                orgStructure?: (tollgate.v1.Structure|null);

                /** Status structure */
                structure?: (tollgate.v1.Structure|null);

                /** Status builtInsFirst */
                builtInsFirst?: (boolean|null);

                /** Status gated */
                gated?: (string[]|null);

                /** Status settings */
                settings?: (tollgate.v1.Setting.$Properties[]|null);

                /** Status settingsVersion */
                settingsVersion?: (number|null);

                /** Status policyCount */
                policyCount?: (number|null);

                /** Status decisions */
                decisions?: (tollgate.v1.ActionCount.$Properties[]|null);

                /** Status latencyP50Us */
                latencyP50Us?: (number|null);

                /** Status latencyP99Us */
                latencyP99Us?: (number|null);

                /** Status outboxDepth */
                outboxDepth?: (number|null);

                /** Status uptimeMs */
                uptimeMs?: (number|null);

                /** Status syncState */
                syncState?: (string|null);

                /** Status serverUrl */
                serverUrl?: (string|null);

                /** Status tollgateVersion */
                tollgateVersion?: (string|null);

                /** Status lastSyncAtMs */
                lastSyncAtMs?: (number|null);

                /** Status syncDownSinceMs */
                syncDownSinceMs?: (number|null);

                /** Status metricsAddress */
                metricsAddress?: (string|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a Status. */
            type $Shape = {
              computerId?: string|null;
              agentVersion?: string|null;
              os?: tollgate.v1.Os|null;
              snapshotVersion?: number|null;
              snapshotIssuedAtMs?: number|null;
              snapshotAppliedAtMs?: number|null;
              orgStructure?: tollgate.v1.Structure|null;
              structure?: tollgate.v1.Structure|null;
              builtInsFirst?: boolean|null;
              gated?: string[]|null;
              settings?: tollgate.v1.Setting.$Shape[]|null;
              settingsVersion?: number|null;
              policyCount?: number|null;
              decisions?: tollgate.v1.ActionCount.$Shape[]|null;
              latencyP50Us?: number|null;
              latencyP99Us?: number|null;
              outboxDepth?: number|null;
              uptimeMs?: number|null;
              syncState?: string|null;
              serverUrl?: string|null;
              tollgateVersion?: string|null;
              lastSyncAtMs?: number|null;
              syncDownSinceMs?: number|null;
              metricsAddress?: string|null;
              $unknowns?: Uint8Array[];
            };
        }

        /**
         * Properties of a DecisionLogEntry.
         * @deprecated Use tollgate.v1.DecisionLogEntry.$Properties instead.
         */
        interface IDecisionLogEntry extends tollgate.v1.DecisionLogEntry.$Properties {
        }

        /** Represents a DecisionLogEntry. */
        class DecisionLogEntry {

            /**
             * Constructs a new DecisionLogEntry.
             * @param [properties] Properties to set
             */
            constructor(properties?: tollgate.v1.DecisionLogEntry.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** DecisionLogEntry atMs. */
            atMs: number;

            /** DecisionLogEntry file. */
            file?: (tollgate.v1.FileInfo.$Properties|null);

            /** DecisionLogEntry decision. */
            decision?: (tollgate.v1.Decision.$Properties|null);

            /**
             * Creates a new DecisionLogEntry instance using the specified properties.
             * @param [properties] Properties to set
             * @returns DecisionLogEntry instance
             */
            static create(properties: tollgate.v1.DecisionLogEntry.$Shape): tollgate.v1.DecisionLogEntry & tollgate.v1.DecisionLogEntry.$Shape;
            static create(properties?: tollgate.v1.DecisionLogEntry.$Properties): tollgate.v1.DecisionLogEntry;

            /**
             * Encodes the specified DecisionLogEntry message. Does not implicitly {@link tollgate.v1.DecisionLogEntry.verify|verify} messages.
             * @param message DecisionLogEntry message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: tollgate.v1.DecisionLogEntry.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a DecisionLogEntry message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {tollgate.v1.DecisionLogEntry & tollgate.v1.DecisionLogEntry.$Shape} DecisionLogEntry
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tollgate.v1.DecisionLogEntry & tollgate.v1.DecisionLogEntry.$Shape;
        }

        namespace DecisionLogEntry {

            /** Properties of a DecisionLogEntry. */
            interface $Properties {

                /** DecisionLogEntry atMs */
                atMs?: (number|null);

                /** DecisionLogEntry file */
                file?: (tollgate.v1.FileInfo.$Properties|null);

                /** DecisionLogEntry decision */
                decision?: (tollgate.v1.Decision.$Properties|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a DecisionLogEntry. */
            type $Shape = tollgate.v1.DecisionLogEntry.$Properties;
        }

        /**
         * Properties of a DecisionLog.
         * @deprecated Use tollgate.v1.DecisionLog.$Properties instead.
         */
        interface IDecisionLog extends tollgate.v1.DecisionLog.$Properties {
        }

        /** Represents a DecisionLog. */
        class DecisionLog {

            /**
             * Constructs a new DecisionLog.
             * @param [properties] Properties to set
             */
            constructor(properties?: tollgate.v1.DecisionLog.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** DecisionLog computerId. */
            computerId: string;

            /** DecisionLog entries. */
            entries: tollgate.v1.DecisionLogEntry.$Properties[];

            /**
             * Creates a new DecisionLog instance using the specified properties.
             * @param [properties] Properties to set
             * @returns DecisionLog instance
             */
            static create(properties: tollgate.v1.DecisionLog.$Shape): tollgate.v1.DecisionLog & tollgate.v1.DecisionLog.$Shape;
            static create(properties?: tollgate.v1.DecisionLog.$Properties): tollgate.v1.DecisionLog;

            /**
             * Encodes the specified DecisionLog message. Does not implicitly {@link tollgate.v1.DecisionLog.verify|verify} messages.
             * @param message DecisionLog message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: tollgate.v1.DecisionLog.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a DecisionLog message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {tollgate.v1.DecisionLog & tollgate.v1.DecisionLog.$Shape} DecisionLog
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tollgate.v1.DecisionLog & tollgate.v1.DecisionLog.$Shape;
        }

        namespace DecisionLog {

            /** Properties of a DecisionLog. */
            interface $Properties {

                /** DecisionLog computerId */
                computerId?: (string|null);

                /** DecisionLog entries */
                entries?: (tollgate.v1.DecisionLogEntry.$Properties[]|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a DecisionLog. */
            type $Shape = tollgate.v1.DecisionLog.$Properties;
        }

        /**
         * Properties of an Error.
         * @deprecated Use tollgate.v1.Error.$Properties instead.
         */
        interface IError extends tollgate.v1.Error.$Properties {
        }

        /** Represents an Error. */
        class Error {

            /**
             * Constructs a new Error.
             * @param [properties] Properties to set
             */
            constructor(properties?: tollgate.v1.Error.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** Error code. */
            code: string;

            /** Error message. */
            message: string;

            /**
             * Creates a new Error instance using the specified properties.
             * @param [properties] Properties to set
             * @returns Error instance
             */
            static create(properties: tollgate.v1.Error.$Shape): tollgate.v1.Error & tollgate.v1.Error.$Shape;
            static create(properties?: tollgate.v1.Error.$Properties): tollgate.v1.Error;

            /**
             * Encodes the specified Error message. Does not implicitly {@link tollgate.v1.Error.verify|verify} messages.
             * @param message Error message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: tollgate.v1.Error.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes an Error message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {tollgate.v1.Error & tollgate.v1.Error.$Shape} Error
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tollgate.v1.Error & tollgate.v1.Error.$Shape;
        }

        namespace Error {

            /** Properties of an Error. */
            interface $Properties {

                /** Error code */
                code?: (string|null);

                /** Error message */
                message?: (string|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of an Error. */
            type $Shape = tollgate.v1.Error.$Properties;
        }

        /**
         * Properties of an Applied.
         * @deprecated Use tollgate.v1.Applied.$Properties instead.
         */
        interface IApplied extends tollgate.v1.Applied.$Properties {
        }

        /** Represents an Applied. */
        class Applied {

            /**
             * Constructs a new Applied.
             * @param [properties] Properties to set
             */
            constructor(properties?: tollgate.v1.Applied.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** Applied snapshotVersion. */
            snapshotVersion: number;

            /** Applied settingsVersion. */
            settingsVersion: number;

            /**
             * Creates a new Applied instance using the specified properties.
             * @param [properties] Properties to set
             * @returns Applied instance
             */
            static create(properties: tollgate.v1.Applied.$Shape): tollgate.v1.Applied & tollgate.v1.Applied.$Shape;
            static create(properties?: tollgate.v1.Applied.$Properties): tollgate.v1.Applied;

            /**
             * Encodes the specified Applied message. Does not implicitly {@link tollgate.v1.Applied.verify|verify} messages.
             * @param message Applied message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: tollgate.v1.Applied.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes an Applied message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {tollgate.v1.Applied & tollgate.v1.Applied.$Shape} Applied
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tollgate.v1.Applied & tollgate.v1.Applied.$Shape;
        }

        namespace Applied {

            /** Properties of an Applied. */
            interface $Properties {

                /** Applied snapshotVersion */
                snapshotVersion?: (number|null);

                /** Applied settingsVersion */
                settingsVersion?: (number|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of an Applied. */
            type $Shape = tollgate.v1.Applied.$Properties;
        }

        /**
         * Properties of a Response.
         * @deprecated Use tollgate.v1.Response.$Properties instead.
         */
        interface IResponse extends tollgate.v1.Response.$Properties {
        }

        /** Represents a Response. */
        class Response {

            /**
             * Constructs a new Response.
             * @param [properties] Properties to set
             */
            constructor(properties?: tollgate.v1.Response.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** Response id. */
            id: number;

            /** Response decision. */
            decision?: (tollgate.v1.Decision.$Properties|null);

            /** Response suggestion. */
            suggestion?: (tollgate.v1.Suggestion.$Properties|null);

            /** Response status. */
            status?: (tollgate.v1.Status.$Properties|null);

            /** Response error. */
            error?: (tollgate.v1.Error.$Properties|null);

            /** Response decisions. */
            decisions?: (tollgate.v1.DecisionLog.$Properties|null);

            /** Response applied. */
            applied?: (tollgate.v1.Applied.$Properties|null);

            /** Response body. */
            body?: ("decision"|"suggestion"|"status"|"error"|"decisions"|"applied");

            /**
             * Creates a new Response instance using the specified properties.
             * @param [properties] Properties to set
             * @returns Response instance
             */
            static create(properties: tollgate.v1.Response.$Shape): tollgate.v1.Response & tollgate.v1.Response.$Shape;
            static create(properties?: tollgate.v1.Response.$Properties): tollgate.v1.Response;

            /**
             * Encodes the specified Response message. Does not implicitly {@link tollgate.v1.Response.verify|verify} messages.
             * @param message Response message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: tollgate.v1.Response.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a Response message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {tollgate.v1.Response & tollgate.v1.Response.$Shape} Response
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tollgate.v1.Response & tollgate.v1.Response.$Shape;
        }

        namespace Response {

            /** Properties of a Response. */
            interface $Properties {

                /** Response id */
                id?: (number|null);

                /** Response decision */
                decision?: (tollgate.v1.Decision.$Properties|null);

                /** Response suggestion */
                suggestion?: (tollgate.v1.Suggestion.$Properties|null);

                /** Response status */
                status?: (tollgate.v1.Status.$Properties|null);

                /** Response error */
                error?: (tollgate.v1.Error.$Properties|null);

                /** Response decisions */
                decisions?: (tollgate.v1.DecisionLog.$Properties|null);

                /** Response applied */
                applied?: (tollgate.v1.Applied.$Properties|null);

                /** Response body */
                body?: ("decision"|"suggestion"|"status"|"error"|"decisions"|"applied");

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Narrowed shape of a Response. */
            type $Shape = {
              id?: number|null;
              decision?: tollgate.v1.Decision.$Shape|null;
              suggestion?: tollgate.v1.Suggestion.$Shape|null;
              status?: tollgate.v1.Status.$Shape|null;
              error?: tollgate.v1.Error.$Shape|null;
              decisions?: tollgate.v1.DecisionLog.$Shape|null;
              applied?: tollgate.v1.Applied.$Shape|null;
              $unknowns?: Uint8Array[];
            } & (
              ({ body?: undefined; decision?: null; suggestion?: null; status?: null; error?: null; decisions?: null; applied?: null }|{ body?: "decision"; decision: tollgate.v1.Decision.$Shape; suggestion?: null; status?: null; error?: null; decisions?: null; applied?: null }|{ body?: "suggestion"; decision?: null; suggestion: tollgate.v1.Suggestion.$Shape; status?: null; error?: null; decisions?: null; applied?: null }|{ body?: "status"; decision?: null; suggestion?: null; status: tollgate.v1.Status.$Shape; error?: null; decisions?: null; applied?: null }|{ body?: "error"; decision?: null; suggestion?: null; status?: null; error: tollgate.v1.Error.$Shape; decisions?: null; applied?: null }|{ body?: "decisions"; decision?: null; suggestion?: null; status?: null; error?: null; decisions: tollgate.v1.DecisionLog.$Shape; applied?: null }|{ body?: "applied"; decision?: null; suggestion?: null; status?: null; error?: null; decisions?: null; applied: tollgate.v1.Applied.$Shape })
            );
        }
    }
}
